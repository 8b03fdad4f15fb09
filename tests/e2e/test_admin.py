"""The admin in Debian chromium: ImageSift's header, its way to the front desk, and each person's
indexed photos in the lists."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.factories import enroll, make_employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_finds_imagesift_its_people_and_the_way_to_the_desk(page, live_server, faces):
    User.objects.create_superuser("boss", password=PASSWORD)
    jackie = make_employee("Jackie Chan")
    enroll(jackie, *faces.of("Jackie_Chan")[:2])
    make_employee("Ada Lovelace")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.locator("#site-name")).to_contain_text("ImageSift administration")
    expect(page).to_have_title("Site administration | ImageSift admin")
    page.get_by_role("link", name="Employees").first.click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#result_list thead")).to_contain_text("Indexed photos")
    expect(rows.filter(has_text="Jackie Chan").locator(".field-photo_summary")).to_contain_text(
        "2/2 indexed"
    )
    expect(rows.filter(has_text="Ada Lovelace").locator(".field-photo_summary")).to_contain_text(
        "0/0 indexed"
    )

    page.get_by_test_id("admin-frontdesk-link").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("user-name")).to_have_text("boss")
