"""Register walk-in: an unknown answer at the front desk becomes a visitor whose first photo is
the probe, through the API (recognition/walk_in.py and its view)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import FacePhoto, Visitor
from accounts.roles import Role
from recognition import services
from recognition.models import Verification
from tests.factories import make_employee, post_verification
from tests.recognition.conftest import EMPLOYEE_FACE
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)


def walk_in_url(verification_id: int) -> str:
    return f"/api/v1/verifications/{verification_id}/walk-in/"


@pytest.fixture
def stranger(faces) -> str:
    """Someone with two photos whom nobody enrolled."""
    return next(name for name in faces.people_with(2) if name != EMPLOYEE_FACE)


@pytest.fixture
def unknown_answer(front_desk, employee, faces, stranger) -> dict:
    """The front desk's verification of the stranger's first photo: unknown."""
    answer = post_verification(front_desk, faces.of(stranger)[0].read_bytes())
    assert answer.status_code == 201
    assert answer.json()["decision"] == Verification.Decision.UNKNOWN
    return answer.json()


@pytest.fixture
def walk_in(employee):
    """A valid registration, host the enrolled employee, until two hours from now."""
    return {
        "name": "Wanda Walk-In",
        "company": "Acme Ltd",
        "host": employee.pk,
        "until": (timezone.now() + timedelta(hours=2)).isoformat(),
        "consent": True,
    }


def test_an_unknown_person_becomes_a_visitor_with_the_probe_indexed(
    front_desk, employee, unknown_answer, walk_in
):
    before = timezone.now()

    response = front_desk.post(walk_in_url(unknown_answer["id"]), walk_in, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["company"]) == ("Wanda Walk-In", "Acme Ltd")
    assert [photo["state"] for photo in body["photos"]] == ["indexed"]
    visitor = Visitor.objects.get(pk=body["id"])
    assert visitor.consent_recorded_by == (
        f"the visitor, at the front desk ({front_desk.user.username})"
    )
    assert before <= visitor.consent_recorded_at <= timezone.now()
    visit = visitor.visits.get()  # checked in at once: they are at the desk
    assert before <= visit.starts_at <= timezone.now()
    assert visit.ends_at.isoformat() == walk_in["until"]
    assert (visit.host, visit.status) == (employee, Visit.Status.CHECKED_IN)
    assert visit.check_in_verification_id == unknown_answer["id"]
    assert visit.checked_in_by_name == front_desk.user.username and visit.badge_number
    photo = visitor.photos.get()
    assert photo.state == FacePhoto.State.INDEXED
    assert (
        photo.image.read() == Verification.objects.get(pk=unknown_answer["id"]).probe_image.read()
    )


def test_another_photo_of_the_walk_in_then_answers_visitor(
    front_desk, faces, stranger, unknown_answer, walk_in
):
    registered = front_desk.post(walk_in_url(unknown_answer["id"]), walk_in, format="json")
    assert registered.status_code == 201, registered.json()

    again = post_verification(front_desk, faces.of(stranger)[1].read_bytes()).json()

    assert again["decision"] == Verification.Decision.VISITOR
    assert again["person"]["id"] == registered.json()["id"]
    assert again["visit"]["host"]["name"] == "Jackie Chan"
    assert again["visit"]["status"] == "checked_in" and again["can_check_in"] is False


def test_no_host_and_no_company_are_fine(front_desk, unknown_answer, walk_in):
    walk_in |= {"host": None, "company": ""}

    response = front_desk.post(walk_in_url(unknown_answer["id"]), walk_in, format="json")

    assert response.status_code == 201, response.json()
    assert Visit.objects.get().host is None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"consent": False}, "consent", "must consent to their face being recorded"),
        ({"until": "PAST"}, "until", "must end in the future"),
        ({"name": ""}, "name", ""),
        ({"host": "INACTIVE"}, "host", ""),
    ],
    ids=["no-consent", "until-past", "no-name", "inactive-host"],
)
def test_a_registration_that_does_not_hold_together_is_400_naming_the_field(
    front_desk, unknown_answer, walk_in, change, field, message
):
    inactive = make_employee("Gone Away", active=False)
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    values = {"PAST": past, "INACTIVE": inactive.pk}
    walk_in |= {key: values.get(value, value) for key, value in change.items()}

    response = front_desk.post(walk_in_url(unknown_answer["id"]), walk_in, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Visitor.objects.exists() and not Visit.objects.exists()


def test_only_an_unknown_answer_can_be_registered(front_desk, employee, probe, walk_in):
    recognised = post_verification(front_desk, probe).json()
    assert recognised["decision"] == Verification.Decision.EMPLOYEE

    response = front_desk.post(walk_in_url(recognised["id"]), walk_in, format="json")

    assert response.status_code == 400
    assert "unknown" in " ".join(response.json()["errors"]["verification"])
    assert not Visitor.objects.exists()


def test_a_purged_probe_cannot_be_registered(front_desk, unknown_answer, walk_in, settings):
    # Kept for IMAGESIFT_PROBE_RETENTION_DAYS (30 here): 31 days on, the purge deletes it.
    assert settings.IMAGESIFT_PROBE_RETENTION_DAYS == 30
    services.verification_probes_purge(now=timezone.now() + timedelta(days=31))
    assert not Verification.objects.get(pk=unknown_answer["id"]).probe_image

    response = front_desk.post(walk_in_url(unknown_answer["id"]), walk_in, format="json")

    assert response.status_code == 400
    assert "no longer kept" in " ".join(response.json()["errors"]["verification"])
    assert not Visitor.objects.exists()


def test_one_answer_registers_one_walk_in(front_desk, unknown_answer, walk_in):
    first = front_desk.post(walk_in_url(unknown_answer["id"]), walk_in, format="json")
    assert first.status_code == 201

    second = front_desk.post(walk_in_url(unknown_answer["id"]), walk_in, format="json")

    assert second.status_code == 400
    assert "already registered" in " ".join(second.json()["errors"]["verification"])
    assert Visitor.objects.count() == 1
    assert FacePhoto.objects.filter(person__kind="visitor").count() == 1


def test_an_api_client_may_not_register_a_walk_in(api_as, unknown_answer, walk_in):
    response = api_as(Role.API_CLIENT).post(
        walk_in_url(unknown_answer["id"]), walk_in, format="json"
    )

    assert response.status_code == 403
    assert not Visitor.objects.exists()


def test_an_unknown_verification_is_404(front_desk, walk_in):
    response = front_desk.post(walk_in_url(999999), walk_in, format="json")

    assert response.status_code == 404
