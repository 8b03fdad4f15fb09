"""Ids in addresses: a number past the database's integers is no address (404), not a 500."""

import pytest

from accounts.roles import Role
from tests.factories import make_employee

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_id_too_large_for_the_database_is_not_found(api_as, method):
    employee = make_employee()
    client = api_as(Role.ADMIN)

    response = getattr(client, method)(f"/api/v1/employees/{'9' * 19}/", {}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(f"/api/v1/employees/{employee.pk}/").status_code == 200
    assert client.get(f"/api/v1/employees/{'9' * 18}/").status_code == 404
