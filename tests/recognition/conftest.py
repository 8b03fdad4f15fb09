"""Fixtures of the verification tests: an enrolled employee, a probe of them, the front desk."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Employee
from accounts.roles import Role
from tests.factories import enroll, make_employee

EMPLOYEE_FACE = "Jackie_Chan"


@pytest.fixture
def employee(faces) -> Employee:
    """An enrolled employee with three indexed photos."""
    person = make_employee(EMPLOYEE_FACE.replace("_", " "), department="Stunts")
    enroll(person, *faces.of(EMPLOYEE_FACE)[:3])
    return person


@pytest.fixture
def probe(faces) -> bytes:
    """Another photo of the enrolled employee."""
    return faces.of(EMPLOYEE_FACE)[3].read_bytes()


@pytest.fixture
def front_desk(api_as) -> APIClient:
    return api_as(Role.FRONT_DESK)
