"""Fixtures of the visits tests: a host employee and a visitor with a visit under way."""

from __future__ import annotations

import pytest

from accounts.models import Employee, Visitor
from tests.factories import make_employee, make_visitor


@pytest.fixture
def host(db) -> Employee:
    return make_employee("Hedy Lamarr", email="hedy@example.com")


@pytest.fixture
def visitor(host) -> Visitor:
    """John Schneider of Acme, with a visit to Hedy from an hour ago for four hours."""
    return make_visitor("John Schneider", company="Acme", host=host, email="john@example.com")
