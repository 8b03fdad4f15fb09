"""The invitation page in a real browser, with no login: the visitor ticks consent, takes a
selfie with the (fake) camera or uploads a photo, and is enrolled; a photo that will not do is
explained and can be retaken, and a link that died meanwhile says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import FacePhoto, StoredFace, Visitor
from tests.e2e.conftest import save_screenshot
from tests.factories import make_employee, make_visitor, verify
from visits import services
from visits.invitations import invitation_token
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUCCESS = "Thank you: your photo is enrolled. See you soon."


def invited(name: str) -> Visitor:
    """A visitor expected in an hour to see Hannah Host, invited, with no consent yet."""
    visitor = make_visitor(
        name,
        email="guest@example.com",
        host=make_employee("Hannah Host"),
        consent=False,
        starts_in=timedelta(hours=1),
    )
    Visit.objects.filter(visitor=visitor).update(status=Visit.Status.INVITED)
    return visitor


def open_invitation(page, live_server, visitor: Visitor):
    """Open the visitor's link as they would from the email; CSP violations are collected."""
    page.csp_violations = []

    def note_csp_violation(message) -> None:
        if "Content Security Policy" in message.text:
            page.csp_violations.append(message.text)

    page.on("console", note_csp_violation)
    token = invitation_token(visitor.visits.get())
    page.goto(f"{live_server.url}/invite/{token}/")
    expect(page.locator("#enrol")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("privacy-notice")).to_contain_text(
        f"Privacy notice version {settings.IMAGESIFT_PRIVACY_NOTICE_VERSION}"
    )
    return page


def enrolled_photo(visitor: Visitor) -> FacePhoto:
    """The visitor's one photo, indexed, with their own consent recorded."""
    visitor.refresh_from_db()
    assert visitor.consent_recorded_by == "the visitor, through their invitation"
    assert visitor.consent_notice_version == settings.IMAGESIFT_PRIVACY_NOTICE_VERSION
    photo = visitor.photos.get()
    assert photo.state == FacePhoto.State.INDEXED
    assert StoredFace.objects.filter(face_id=photo.face_id, person_key=str(visitor.pk)).exists()
    visit = visitor.visits.get()
    assert visit.status == Visit.Status.EXPECTED and visit.self_enrolled_at is not None
    return photo


def test_the_visitor_takes_a_selfie_after_consenting(page, live_server, webcam_feed, faces):
    visitor = invited(webcam_feed.person.replace("_", " "))
    page = open_invitation(page, live_server, visitor)
    expect(page.get_by_test_id("invitation-greeting")).to_have_text(f"Welcome, {visitor.name}")
    toggle = page.get_by_test_id("camera-toggle")
    expect(toggle).to_be_disabled()  # nothing before consent
    expect(page.get_by_test_id("photo-input")).to_be_disabled()

    page.get_by_label("I have read the privacy notice").check()
    expect(page.get_by_test_id("consent-hint")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_text("Stop camera")
    take = page.get_by_role("button", name="Take my photo")
    expect(take).to_be_enabled()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=camera-video]').videoWidth > 0"
    )
    take.click()

    expect(page.get_by_test_id("success-message")).to_have_text(SUCCESS)
    expect(page.get_by_test_id("capture")).to_be_hidden()
    save_screenshot(page, "invitation-selfie")
    photo = enrolled_photo(visitor)
    assert photo.image.name.endswith(".jpg")  # the canvas frame, sent as JPEG
    assert verify(faces.of(webcam_feed.person)[0]).person_id == visitor.pk  # known at the door
    assert page.csp_violations == []


def test_an_upload_that_will_not_do_is_explained_then_retaken(page, live_server, faces):
    visitor = invited("Venus Williams")
    page = open_invitation(page, live_server, visitor)
    page.get_by_test_id("consent").check()
    photo_input = page.get_by_test_id("photo-input")

    photo_input.set_input_files(str(faces.multi(1)))

    retake = page.get_by_test_id("retake")
    expect(retake).to_be_visible()
    expect(retake).to_have_attribute("data-code", "several_faces")
    expect(page.get_by_test_id("retake-fix")).to_have_text("Make sure only you are in the picture.")
    assert not FacePhoto.objects.exists()
    save_screenshot(page, "invitation-retake")

    photo_input.set_input_files(str(faces.of("Venus_Williams")[0]))

    expect(page.get_by_test_id("success-message")).to_have_text(SUCCESS)
    expect(retake).to_be_hidden()
    enrolled_photo(visitor)
    assert page.csp_violations == []


def test_a_link_that_died_while_the_page_was_open_says_why(page, live_server, faces):
    visitor = invited("Venus Williams")
    page = open_invitation(page, live_server, visitor)
    services.visit_cancel(visit=visitor.visits.get())
    page.get_by_test_id("consent").check()

    page.get_by_test_id("photo-input").set_input_files(str(faces.of("Venus_Williams")[0]))

    expect(page.get_by_test_id("refusal-message")).to_have_text(
        "This invitation has expired: the visit is over or was cancelled."
    )
    expect(page.get_by_test_id("capture")).to_be_hidden()
    assert not FacePhoto.objects.exists()
