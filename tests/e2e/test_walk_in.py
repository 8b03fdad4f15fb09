"""Register walk-in at the front desk, in a real browser: an unknown person's photo dropped on
the page becomes a visitor whose first photo is that one."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import FacePhoto, Visitor
from recognition.models import Verification
from tests.e2e.conftest import drop, save_screenshot
from tests.factories import enroll, make_employee
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST_FACE = "Venus_Williams"


def test_an_unknown_person_is_registered_as_a_walk_in_from_the_card(frontdesk_page, faces):
    page = frontdesk_page
    host = make_employee("Venus Williams", department="Tennis")
    enroll(host, *faces.of(HOST_FACE)[:2])
    page.reload()  # the host list is rendered with the page
    expect(page.locator("#frontdesk")).to_have_attribute("data-ready", "true")

    stranger = next(name for name in faces.people_with(2) if name != HOST_FACE)  # not enrolled
    drop(page, faces.of(stranger)[0])
    expect(page.get_by_test_id("result-decision")).to_have_text("Unknown person")
    page.get_by_role("button", name="Register walk-in").click()
    form = page.get_by_test_id("walk-in-form")
    form.get_by_label("Name").fill("Walter Walk-In")
    form.get_by_label("Company").fill("Acme Ltd")
    form.get_by_label("Host").select_option(label="Venus Williams (Tennis)")
    expect(form.get_by_label("Visit until")).to_have_value(re.compile(r"^\d{4}-\d\d-\d\dT23:59$"))

    form.get_by_role("button", name="Register").click()  # consent not ticked yet
    expect(form.locator('[data-error-for="consent"]')).to_contain_text(
        "must consent to their face being recorded"
    )
    assert not Visitor.objects.exists()

    form.get_by_label("The visitor consents to their face being recorded").check()
    form.get_by_role("button", name="Register").click()

    expect(page.get_by_test_id("walk-in-status")).to_have_text(
        "Registered and checked in: Walter Walk-In (photo indexed)"
    )
    expect(form).to_be_hidden()
    save_screenshot(page, "frontdesk-walk-in")
    visitor = Visitor.objects.get()
    assert (visitor.name, visitor.company) == ("Walter Walk-In", "Acme Ltd")
    visit = visitor.visits.get()
    assert (visit.host, visit.status) == (host, Visit.Status.CHECKED_IN)
    assert visit.checked_in_by_name == page.user.username
    assert visit.check_in_verification == Verification.objects.get()
    assert visit.badge_number == f"V{visit.pk:06d}"
    assert visitor.consent_recorded_by == f"the visitor, at the front desk ({page.user.username})"
    photo = visitor.photos.get()
    assert photo.state == FacePhoto.State.INDEXED
    assert photo.image.read() == Verification.objects.get().probe_image.read()


def test_a_recognised_person_offers_no_walk_in(frontdesk_page, faces):
    page = frontdesk_page
    enroll(make_employee("Venus Williams"), *faces.of(HOST_FACE)[:3])

    drop(page, faces.of(HOST_FACE)[4])

    expect(page.get_by_test_id("result-decision")).to_have_text("Employee")
    expect(page.get_by_test_id("walk-in")).to_be_hidden()
