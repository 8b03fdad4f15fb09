"""The server-rendered pages: the front desk and enrolment photos, through Django's test client."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from accounts.roles import Role
from recognition.models import Verification
from tests.factories import enroll, make_employee, verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
    login = client.get(response["Location"])
    assert login.status_code == 200
    assert b'name="password"' in login.content


@pytest.mark.parametrize("role", [None, Role.API_CLIENT])
def test_users_without_a_front_desk_role_are_refused(client_as, role):
    assert client_as(role).get("/").status_code == 403


def test_front_desk_sees_todays_decisions_and_gets_a_csrf_cookie(client_as, faces):
    name = faces.people_with(4)[0]
    employee = make_employee(name, department="Research")
    enroll(employee, *faces.of(name)[:3])
    verify(faces.of(name)[3], "ui")
    verify(faces.nonface()[0])
    yesterday = verify(faces.nonface()[1], "cli")
    Verification.objects.filter(pk=yesterday.pk).update(
        created_at=timezone.now() - timedelta(days=1)
    )

    response = client_as(Role.FRONT_DESK).get("/")

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    page = response.content.decode()
    assert page.count('data-testid="recent-item"') == 2
    assert 'data-decision="employee"' in page and employee.name in page
    assert 'data-decision="no_face"' in page and "No usable face" in page
    assert "Command line" not in page  # yesterday's verification is not today's
    assert 'href="/admin/"' not in page  # front-desk staff are not Django staff
    assert 'action="/accounts/logout/"' in page


def test_admins_see_the_front_desk_with_an_admin_link(client):
    client.force_login(User.objects.create_superuser("boss", password="pw-12345678"))

    response = client.get("/")

    assert response.status_code == 200
    assert 'href="/admin/"' in response.content.decode()
    assert "No verifications yet today." in response.content.decode()
