"""Fixtures of the people tests: a real photo, and a small registry of enrolled people."""

import pytest

from tests.factories import enroll, make_employee, make_visitor

FACE = "Jackie_Chan"


@pytest.fixture
def jpeg(faces) -> bytes:
    """A real photo of one face."""
    return faces.of(FACE)[0].read_bytes()


@pytest.fixture
def registry(faces):
    """An employee and a visitor, each with one indexed photo."""
    employee = make_employee("Jackie Chan", staff_number="E-100", department="Stunts")
    visitor = make_visitor("John Schneider", company="Acme", host=employee)
    [employee_photo] = enroll(employee, faces.of(FACE)[0])
    [visitor_photo] = enroll(visitor, faces.of("John_Schneider")[0])
    return employee, visitor, employee_photo, visitor_photo
