"""The `id` path converter: a row's id in an address, at most 18 digits. Django's `int` takes any
number of digits, and an id past the database's 64-bit integers (SQLite raises OverflowError)
would be a 500 where the answer is "no such object": a longer one is simply no address here (404).
"""

from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
