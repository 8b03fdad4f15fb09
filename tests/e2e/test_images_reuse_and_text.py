"""The gallery in a real browser: an image uploaded twice is analysed once, and the text read in
an image finds it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from insight.models import ImageAnalysis
from tests.e2e.conftest import save_screenshot
from tests.e2e.test_images import sample_png, sign_in, upload_item
from tests.insight.pictures import sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gallery(page, live_server, user_with_role):
    """The gallery, signed in as front-desk staff, its upload script ready."""
    sign_in(page, live_server, user_with_role(Role.FRONT_DESK, username="desk"))
    expect(page.locator("#image-gallery")).to_have_attribute("data-ready", "true")
    return page


def test_an_image_uploaded_twice_says_it_was_already_analysed(gallery, tmp_path):
    page = gallery
    cat = sample_png(tmp_path, "chelsea")
    picker = page.get_by_test_id("image-input")

    picker.set_input_files(str(cat))
    first = page.get_by_test_id("upload-item").nth(0)
    expect(first).to_have_attribute("data-state", "done")
    expect(first.get_by_test_id("upload-status")).to_contain_text(re.compile(r"^Done: .*Cat"))
    picker.set_input_files(str(cat))  # the same file again

    again = page.get_by_test_id("upload-item").nth(1)
    expect(again).to_have_attribute("data-state", "done")
    expect(again).to_have_attribute("data-reused", "true")
    expect(again.get_by_test_id("upload-status")).to_contain_text(
        re.compile(r"^Already analysed \(not uploaded again\): .*Cat")
    )
    analysis = ImageAnalysis.objects.get()  # one analysis, of the first upload
    assert analysis.source == ImageAnalysis.Source.WEB and analysis.uploaded_by.username == "desk"
    link = again.get_by_role("link", name="Open")
    expect(link).to_have_attribute("href", f"/images/{analysis.pk}/")
    save_screenshot(page, "image-uploaded-twice")
    link.click()
    expect(page).to_have_url(re.compile(rf"/images/{analysis.pk}/$"))
    expect(
        page.get_by_test_id("label-chip").filter(has_text=re.compile(r"^\s*Cat\b"))
    ).to_be_visible()


def test_the_gallery_search_by_text_finds_the_sign(gallery, tmp_path):
    page = gallery
    notice = tmp_path / "notice.png"
    notice.write_bytes(sign(("EMERGENCY EXIT", "Espresso 2.50")))
    page.get_by_test_id("image-input").set_input_files(
        [str(notice), str(sample_png(tmp_path, "chelsea"))]
    )
    for name in ("notice.png", "chelsea.png"):
        expect(upload_item(page, name)).to_have_attribute("data-state", "done")
    page.get_by_test_id("upload-refresh").click()
    cards = page.get_by_test_id("image-card")
    expect(cards).to_have_count(2)

    page.get_by_label("Text in the image").fill("emergency exit")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/images/\?label=&text=emergency\+exit&"))
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_test_id("image-card-name")).to_have_text("notice.png")
    expect(page.get_by_label("Text in the image")).to_have_value("emergency exit")
    page.get_by_label("Text in the image").fill("espresso")
    page.get_by_label("Label", exact=True).fill("cat")
    page.get_by_role("button", name="Search").click()
    expect(cards).to_have_count(0)
    expect(page.get_by_test_id("gallery-empty")).to_have_text("No image matches this search.")
    page.get_by_label("Label", exact=True).fill("")
    page.get_by_role("button", name="Search").click()
    expect(cards).to_have_count(1)
    save_screenshot(page, "image-gallery-text-search")
