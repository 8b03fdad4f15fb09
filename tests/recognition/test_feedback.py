"""Feedback on decisions: append-only marks beside the audit log, through the API and the
service; a missed match can enrol its probe as a photo of the right person."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import FacePhoto
from accounts.roles import Role
from recognition.models import DecisionFeedback, Verification
from tests.answers import REFUSED
from tests.factories import make_employee, make_visitor, post_verification

pytestmark = pytest.mark.django_db(transaction=True)


def feedback_url(verification_id: int) -> str:
    return f"/api/v1/verifications/{verification_id}/feedback/"


@pytest.fixture
def decided(front_desk, employee, probe) -> dict:
    """A verification of the enrolled employee, as the API answered it."""
    return post_verification(front_desk, probe).json()


def test_a_mark_records_who_and_when_and_leaves_the_log_as_it_was(front_desk, decided):
    log_before = list(Verification.objects.values())

    response = front_desk.post(
        feedback_url(decided["id"]), {"verdict": "correct", "note": "Checked the badge"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["verdict"], body["note"], body["author"]) == (
        "correct",
        "Checked the badge",
        front_desk.user.username,
    )
    assert body["verification"] == decided["id"] and body["created_at"]
    assert list(Verification.objects.values()) == log_before


def test_marks_are_appended_and_listed_newest_first(front_desk, decided):
    for verdict in ("wrong_person", "admitted_after_id_check"):
        front_desk.post(feedback_url(decided["id"]), {"verdict": verdict})

    listed = front_desk.get(feedback_url(decided["id"])).json()

    assert [mark["verdict"] for mark in listed] == ["admitted_after_id_check", "wrong_person"]
    assert DecisionFeedback.objects.count() == 2


def test_a_missed_match_enrols_the_probe_as_a_photo_of_the_right_person(api_as, faces, decided):
    right = make_employee("Somebody Right")
    admin = api_as(Role.ADMIN)

    response = admin.post(
        feedback_url(decided["id"]),
        {"verdict": "missed", "right_person": right.pk, "enrol_probe": True},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["right_person"], body["right_person_name"]) == (right.pk, right.name)
    photo = FacePhoto.objects.get(pk=body["enrolled_photo"])
    assert photo.person_id == right.pk
    assert photo.state == FacePhoto.State.INDEXED  # through the usual checks and indexing
    probe = Verification.objects.get(pk=decided["id"]).probe_image
    assert photo.image.read() == probe.read()


def test_the_front_desk_may_not_add_photos_to_an_employee(front_desk, decided):
    right = make_employee("Somebody Right")

    response = front_desk.post(
        feedback_url(decided["id"]),
        {"verdict": "missed", "right_person": right.pk, "enrol_probe": True},
    )

    assert response.status_code == 403
    assert not DecisionFeedback.objects.exists()
    assert not FacePhoto.objects.filter(person=right).exists()


def test_the_front_desk_may_enrol_a_missed_visitor(front_desk, decided):
    visitor = make_visitor()

    response = front_desk.post(
        feedback_url(decided["id"]),
        {"verdict": "missed", "right_person": visitor.pk, "enrol_probe": True},
    )

    assert response.status_code == 201
    assert FacePhoto.objects.filter(person=visitor).count() == 1


@pytest.mark.parametrize(
    ("mark", "field"),
    [
        ({"verdict": "missed"}, "right_person"),
        ({"verdict": "correct", "right_person": "RIGHT"}, "right_person"),
        ({"verdict": "missed", "right_person": "NO_CONSENT", "enrol_probe": True}, "enrol_probe"),
        ({"verdict": "maybe"}, "verdict"),
        ({"verdict": "missed", "right_person": 999999}, "right_person"),
        ({"verdict": "correct", "note": "x" * 1001}, "note"),
    ],
    ids=[
        "missed-nobody",
        "correct-names-someone",
        "no-consent",
        "bad-verdict",
        "no-person",
        "long",
    ],
)
def test_a_mark_that_does_not_hold_together_is_400_naming_the_field(api_as, decided, mark, field):
    people = {"RIGHT": make_employee("Right"), "NO_CONSENT": make_employee("X", consent=False)}
    mark = {key: people[value].pk if value in people else value for key, value in mark.items()}

    response = api_as(Role.ADMIN).post(feedback_url(decided["id"]), mark)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not DecisionFeedback.objects.exists()
    assert FacePhoto.objects.count() == 3  # the employee's own, nothing more


def test_a_missed_match_whose_probe_expired_cannot_enrol_it(api_as, decided):
    Verification.objects.get(pk=decided["id"]).probe_image.delete()
    right = make_employee("Somebody Right")

    response = api_as(Role.ADMIN).post(
        feedback_url(decided["id"]),
        {"verdict": "missed", "right_person": right.pk, "enrol_probe": True},
    )

    assert response.status_code == 400
    assert "no longer kept" in response.json()["errors"]["enrol_probe"][0]


def test_feedback_on_a_missing_verification_is_404(front_desk):
    assert front_desk.post(feedback_url(424242), {"verdict": "correct"}).status_code == 404


@pytest.mark.parametrize("who", REFUSED)
def test_without_a_role_nobody_marks_or_reads(api_as, decided, who):
    client = APIClient() if who == "anonymous" else api_as(None)
    status, body = REFUSED[who]

    for response in (
        client.get(feedback_url(decided["id"])),
        client.post(feedback_url(decided["id"]), {"verdict": "correct"}),
    ):
        assert (response.status_code, response.json()) == (status, body)
    assert not DecisionFeedback.objects.exists()
