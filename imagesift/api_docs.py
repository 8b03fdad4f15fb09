"""The API's OpenAPI document, for a client developer: operations tagged by resource, each with
a one-line summary (a drf-spectacular post-processing hook)."""

from __future__ import annotations


def tag_by_resource(result: dict, generator, request, public) -> dict:
    """To be written: tags by resource (verifications, employees, visitors, visits, ...)."""
    return result
