"""The audit log in the admin: read-only, as an audit log must be."""

from __future__ import annotations

import pytest

from recognition.models import DecisionFeedback, Verification
from tests.factories import make_employee, verify

pytestmark = pytest.mark.django_db(transaction=True)

VERIFICATIONS = "/admin/recognition/verification/"


@pytest.fixture
def verification(faces) -> Verification:
    return verify(faces.unknown()[0])


# --- the audit log ------------------------------------------------------------------------------
def test_the_log_lists_verifications(admin, verification):
    page = admin.get(VERIFICATIONS).content.decode()
    assert f"{VERIFICATIONS}{verification.pk}/change/" in page
    assert "Unknown" in page


def test_the_log_offers_no_way_to_add_or_delete(admin, verification):
    page = admin.get(VERIFICATIONS).content.decode()
    assert f"{VERIFICATIONS}add/" not in page
    assert "delete_selected" not in page


def test_the_log_cannot_be_added_to_changed_or_deleted(admin, verification):
    url = f"{VERIFICATIONS}{verification.pk}"
    before = list(Verification.objects.values())

    assert admin.get(f"{VERIFICATIONS}add/").status_code == 403
    assert admin.post(f"{VERIFICATIONS}add/", {"decision": "employee"}).status_code == 403
    assert admin.post(f"{url}/change/", {"decision": "employee"}).status_code == 403
    assert admin.get(f"{url}/delete/").status_code == 403
    assert admin.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    deleted = admin.post(
        VERIFICATIONS,
        {"action": "delete_selected", "_selected_action": [verification.pk], "post": "yes"},
    )
    assert deleted.status_code in (200, 302)  # no such action: the list says so, nothing goes

    assert list(Verification.objects.values()) == before


def test_a_log_entry_can_be_read_but_has_no_save_button(admin, verification):
    response = admin.get(f"{VERIFICATIONS}{verification.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert "Unknown" in page


def test_a_log_entry_shows_its_probe_through_the_role_checked_link(admin, verification):
    page = admin.get(f"{VERIFICATIONS}{verification.pk}/change/").content.decode()

    probe = f"/api/v1/verifications/{verification.pk}/probe/"
    assert f'src="{probe}"' in page
    assert "/media/" not in page
    assert admin.get(probe).status_code == 200


def test_a_log_entry_whose_probe_expired_says_so(admin, verification):
    verification.probe_image.delete()

    page = admin.get(f"{VERIFICATIONS}{verification.pk}/change/").content.decode()

    assert "Not kept (deleted after the retention period" in page


# --- feedback -----------------------------------------------------------------------------------
FEEDBACK = "/admin/recognition/decisionfeedback/"


def test_a_decision_is_marked_from_its_page_and_the_mark_shows_there(admin, verification):
    page = admin.get(f"{VERIFICATIONS}{verification.pk}/change/").content.decode()
    assert f"{FEEDBACK}add/?verification={verification.pk}" in page

    response = admin.post(
        f"{FEEDBACK}add/",
        {"verification": verification.pk, "verdict": "wrong_person", "note": "Twin brother"},
    )

    assert response.status_code == 302
    mark = DecisionFeedback.objects.get()
    assert (mark.verdict, mark.note, mark.author_name) == ("wrong_person", "Twin brother", "root")
    page = admin.get(f"{VERIFICATIONS}{verification.pk}/change/").content.decode()
    assert "Wrong person" in page and "Twin brother" in page


def test_a_mark_that_does_not_hold_together_is_a_form_error(admin, verification):
    response = admin.post(f"{FEEDBACK}add/", {"verification": verification.pk, "verdict": "missed"})

    assert response.status_code == 200
    assert "A missed match names who it should have matched." in response.content.decode()
    assert not DecisionFeedback.objects.exists()


def test_a_missed_match_enrols_the_probe_from_the_admin(admin, verification):
    right = make_employee("Somebody Right")

    admin.post(
        f"{FEEDBACK}add/",
        {
            "verification": verification.pk,
            "verdict": "missed",
            "right_person": right.pk,
            "enrol_probe": "on",
        },
    )

    mark = DecisionFeedback.objects.get()
    assert mark.enrolled_photo.person_id == right.pk


def test_marks_cannot_be_changed_or_deleted(admin, verification):
    mark = DecisionFeedback.objects.create(verification=verification, verdict="correct")

    assert admin.post(f"{FEEDBACK}{mark.pk}/change/", {"verdict": "missed"}).status_code == 403
    assert admin.post(f"{FEEDBACK}{mark.pk}/delete/", {"post": "yes"}).status_code == 403
    assert DecisionFeedback.objects.get().verdict == "correct"
