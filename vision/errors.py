"""What `vision` raises that callers answer for: a refused upload (4xx) or an engine that cannot
serve now (503)."""

from __future__ import annotations


class ImageRejected(Exception):
    """An upload that is not an image we can use; `status` is the HTTP status to answer with."""

    def __init__(self, code: str, message: str, status: int = 400):
        self.code = code
        self.message = message
        self.status = status
        super().__init__(message)


class EngineUnavailable(Exception):
    """The engine cannot serve requests now (misconfigured, throttled, unreachable)."""
