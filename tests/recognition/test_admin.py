"""The audit log in the admin: read-only, as an audit log must be."""

from __future__ import annotations

import pytest

from recognition.models import Verification
from tests.factories import verify

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
