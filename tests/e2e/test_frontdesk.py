"""The front desk in a real browser: upload, denial, bad files and the webcam, end to end."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recognition.models import DecisionFeedback, Verification
from tests.e2e.conftest import drop, save_screenshot
from tests.factories import enroll, make_employee, make_visitor, verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def person_name(folder: str) -> str:
    return folder.replace("_", " ")


def upload(page, path) -> None:
    page.get_by_test_id("photo-input").set_input_files(str(path))


def test_uploading_an_enrolled_employee_shows_who_they_are(frontdesk_page, faces):
    page = frontdesk_page
    folder = "Venus_Williams"
    employee = make_employee(person_name(folder), department="Tennis")
    enroll(employee, *faces.of(folder)[:3])
    verify(faces.nonface()[0])
    page.reload()
    recent = page.get_by_test_id("recent-item")
    expect(recent).to_have_count(1)
    expect(recent.first).to_contain_text("No usable face")

    upload(page, faces.of(folder)[4])

    result = page.get_by_test_id("result")
    expect(page.get_by_test_id("result-decision")).to_have_text("Employee")
    expect(page.get_by_test_id("result-name")).to_have_text(employee.name)
    expect(result.get_by_test_id("fact-kind")).to_have_text("Employee")
    expect(result.get_by_test_id("fact-department")).to_have_text("Tennis")
    expect(result.get_by_test_id("fact-similarity")).to_have_text(re.compile(r"^\d+\.\d / 100$"))
    expect(result.get_by_test_id("fact-faces")).to_have_text("1")
    expect(page.get_by_test_id("result-time")).to_contain_text(re.compile(r"Answered in \d+ ms"))
    expect(page.get_by_test_id("denied-banner")).to_have_count(0)
    expect(page.get_by_test_id("error")).to_be_hidden()
    enrolled = page.get_by_test_id("result-photo")
    expect(enrolled).to_have_attribute("src", re.compile(r"^/photos/\d+/$"))
    expect(enrolled).to_have_js_property("complete", True)
    assert enrolled.evaluate("image => image.naturalWidth") > 0  # served to the signed-in desk
    expect(recent).to_have_count(2)
    expect(recent.first).to_contain_text("Employee")
    expect(recent.first).to_contain_text(employee.name)
    save_screenshot(page, "frontdesk")

    verification = Verification.objects.first()
    assert verification.decision == Verification.Decision.EMPLOYEE
    assert verification.person_id == employee.pk
    assert verification.channel == Verification.Channel.UI
    assert verification.operator == page.user


def test_a_denied_person_dropped_on_the_page_raises_the_red_banner(frontdesk_page, faces):
    page = frontdesk_page
    folder = "Lindsay_Davenport"
    denied = make_employee(person_name(folder), denied=True, denied_reason="Badge revoked")
    enroll(denied, *faces.of(folder)[:3])

    drop(page, faces.of(folder)[3])

    banner = page.get_by_role("alert").filter(has_text="DENIED")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("data-testid", "denied-banner")
    expect(banner).to_contain_text("Badge revoked")
    expect(page.get_by_test_id("result-decision")).to_have_text("DENIED")
    expect(page.get_by_test_id("result-name")).to_have_text(denied.name)
    expect(page.get_by_test_id("recent-item").first).to_have_attribute("data-decision", "denied")
    save_screenshot(page, "frontdesk-denied")


def test_a_face_near_a_denied_person_shows_check_id_with_their_photo(
    frontdesk_page, faces, settings
):
    page = frontdesk_page
    folder = "Lindsay_Davenport"
    denied = make_employee(person_name(folder), denied=True, denied_reason="Badge revoked")
    enroll(denied, faces.of(folder)[0])
    settings.IMAGESIFT_MATCH_THRESHOLD = 99.9  # near enough for the deny list, not a match

    drop(page, faces.of(folder)[3])

    banner = page.get_by_test_id("possible-denied-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("Check ID")
    expect(page.get_by_test_id("result-decision")).to_have_text("CHECK ID")
    expect(page.get_by_test_id("result-name")).to_have_text(denied.name)
    expect(page.get_by_test_id("result-photo")).to_be_visible()
    expect(page.get_by_test_id("fact-reason")).to_contain_text("Badge revoked")
    expect(page.get_by_test_id("recent-item").first).to_have_attribute(
        "data-decision", "possible_denied"
    )
    save_screenshot(page, "frontdesk-possible-denied")


def test_a_wrong_match_is_marked_from_the_card(frontdesk_page, faces):
    page = frontdesk_page
    folder = "Venus_Williams"
    enroll(make_employee(person_name(folder)), *faces.of(folder)[:3])
    drop(page, faces.of(folder)[4])
    expect(page.get_by_test_id("result-decision")).to_have_text("Employee")

    page.get_by_test_id("feedback-note").fill("Her sister")
    page.get_by_role("button", name="Wrong person").click()

    expect(page.get_by_test_id("feedback-status")).to_have_text('Marked "Wrong person". Thank you.')
    mark = DecisionFeedback.objects.get()
    assert (mark.verdict, mark.note) == ("wrong_person", "Her sister")
    assert mark.verification == Verification.objects.get()
    assert mark.author_name == page.user.username
    save_screenshot(page, "frontdesk-feedback")


def test_a_file_that_is_not_an_image_shows_the_reason_and_no_stale_answer(
    frontdesk_page, faces, tmp_path
):
    page = frontdesk_page
    upload(page, faces.nonface()[0])
    expect(page.get_by_test_id("result-decision")).to_have_text("No usable face")
    expect(page.get_by_test_id("fact-faces")).to_have_text("0")
    notes = tmp_path / "notes.txt"
    notes.write_text("This is not a photo.\n")

    upload(page, notes)

    error = page.get_by_test_id("error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Could not verify: The file is not an image.")
    expect(error).to_have_attribute("role", "alert")
    expect(page.get_by_test_id("result")).to_be_hidden()  # the earlier answer is gone
    expect(page.get_by_test_id("recent-item")).to_have_count(1)
    assert Verification.objects.count() == 1
    save_screenshot(page, "frontdesk-error")


def test_the_webcam_capture_recognises_a_registered_visitor(frontdesk_page, webcam_feed):
    page = frontdesk_page
    host = make_employee("Hannah Host")
    visitor = make_visitor(person_name(webcam_feed.person), host=host, company="Golden Harvest")
    enroll(visitor, *webcam_feed.enrolment_photos)

    page.get_by_test_id("camera-toggle").click()
    expect(page.get_by_test_id("camera-toggle")).to_have_text("Stop camera")
    capture = page.get_by_role("button", name="Capture and verify")
    expect(capture).to_be_enabled()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=camera-video]').videoWidth > 0"
    )
    capture.click()

    result = page.get_by_test_id("result")
    expect(page.get_by_test_id("result-decision")).to_have_text("Registered visitor")
    expect(page.get_by_test_id("result-name")).to_have_text(visitor.name)
    expect(result.get_by_test_id("fact-kind")).to_have_text("Visitor")
    expect(result.get_by_test_id("fact-host")).to_have_text("Hannah Host")
    expect(result.get_by_test_id("fact-company")).to_have_text("Golden Harvest")
    visit = visitor.visits.get()
    start, end = (timezone.localtime(at) for at in (visit.starts_at, visit.ends_at))
    expect(result.get_by_test_id("fact-visit-window")).to_have_text(
        re.compile(rf"^\w+ {start.day} \w+, {start:%H:%M} \u2013 .*{end:%H:%M}$")
    )
    expect(result.get_by_test_id("fact-visit-status")).to_have_text("Expected")
    expect(page.get_by_test_id("check-in")).to_be_visible()  # tests/e2e/test_check_in.py
    save_screenshot(page, "frontdesk-webcam")
    verification = Verification.objects.get()
    assert verification.decision == Verification.Decision.VISITOR
    assert verification.person_id == visitor.pk
    assert verification.visit == visit
    assert verification.channel == Verification.Channel.UI
    assert verification.probe_image.name.endswith(".jpg")  # the canvas frame, sent as JPEG
