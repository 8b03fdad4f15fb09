"""The calibration page in a real browser: reached from the audit log, measured on request,
its two histograms drawn with the thresholds across them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from recognition.models import DecisionFeedback, Verification
from tests.e2e.conftest import PASSWORD, save_screenshot
from tests.factories import enroll, make_employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_calibration_page_measures_the_gallery_and_draws_its_plots(page, live_server, faces):
    for name in faces.people_with(2)[:4]:
        enroll(make_employee(name.replace("_", " ")), *faces.of(name)[:2])
    for similarity, verdict in ((71.0, "correct"), (44.0, "wrong_person")):
        verification = Verification.objects.create(
            channel="ui", decision="employee", similarity=similarity, engine="local"
        )
        DecisionFeedback.objects.create(verification=verification, verdict=verdict)
    User.objects.create_superuser("root", password=PASSWORD)

    page.goto(f"{live_server.url}/admin/recognition/verification/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Calibration").click()
    expect(page.locator("#false-accepts")).to_have_text("Not measured yet.")
    page.get_by_role("button", name="Measure the gallery again").click()

    expect(page.locator("#false-accepts")).to_contain_text("0 of 4 people")
    gallery = page.get_by_role("img", name="nearest other person")
    decisions = page.get_by_role("img", name="decisions staff confirmed")
    for plot in (gallery, decisions):
        expect(plot).to_be_visible()
        assert plot.bounding_box()["width"] >= 600
        expect(plot.get_by_text("match 42")).to_be_visible()
    expect(gallery.locator("rect.bar")).not_to_have_count(0)
    expect(decisions.locator("rect.bar")).to_have_count(2)  # one right, one wrong
    save_screenshot(page, "calibration")
