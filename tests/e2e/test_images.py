"""The image pages in a real browser: upload by picker and by drop, refusals, search, faces."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import skimage.data
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from playwright.sync_api import expect

from accounts.roles import Role
from insight import services
from insight.models import ImageAnalysis
from tests.e2e.conftest import PASSWORD, save_screenshot
from tests.factories import enroll, make_employee
from tests.uploads import png_bomb

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png_of(name: str) -> bytes:
    """One of scikit-image's photos ("astronaut", "chelsea", …), encoded by Pillow as PNG."""
    buffer = io.BytesIO()
    Image.fromarray(getattr(skimage.data, name)()).save(buffer, "PNG")
    return buffer.getvalue()


def sample_png(folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    path.write_bytes(png_of(name))
    return path


def sign_in(page, live_server, user: User, path: str = "/images/") -> None:
    """Sign in through the real login form and land on `path`."""
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}{path}")


@pytest.fixture
def gallery(page, live_server, user_with_role):
    """The gallery, signed in as front-desk staff, its upload script ready."""
    sign_in(page, live_server, user_with_role(Role.FRONT_DESK, username="desk"))
    expect(page.locator("#image-gallery")).to_have_attribute("data-ready", "true")
    return page


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser("root", password=PASSWORD)


def upload_item(page, name: str):
    return page.get_by_test_id("upload-item").filter(has_text=name)


def box_of(page, kind: str, caption: re.Pattern | str):
    return page.locator(f"[data-testid=box][data-kind={kind}]").filter(has_text=caption)


def inside(inner: dict, outer: dict) -> bool:
    """Whether the centre of one on-screen box lies within another."""
    x, y = inner["x"] + inner["width"] / 2, inner["y"] + inner["height"] / 2
    return (
        outer["x"] <= x <= outer["x"] + outer["width"]
        and outer["y"] <= y <= outer["y"] + outer["height"]
    )


def test_an_uploaded_astronaut_gets_a_person_chip_and_a_box_over_her(gallery, tmp_path):
    page = gallery
    astronaut = sample_png(tmp_path, "astronaut")

    page.get_by_test_id("image-input").set_input_files(str(astronaut))

    item = upload_item(page, "astronaut.png")
    expect(item).to_have_attribute("data-state", "done")
    expect(item.get_by_test_id("upload-status")).to_contain_text(re.compile(r"Done: .*Person"))
    expect(item.get_by_test_id("upload-progress")).to_have_js_property("value", 100)
    item.get_by_role("link", name="Open").click()

    analysis = ImageAnalysis.objects.get()
    expect(page).to_have_url(re.compile(rf"/images/{analysis.pk}/$"))
    expect(
        page.get_by_test_id("label-chip").filter(has_text=re.compile(r"^\s*Person\b"))
    ).to_be_visible()
    picture = page.get_by_test_id("picture-image")
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("image => image.naturalWidth") == 512  # served to the signed-in desk
    person = box_of(page, "label", re.compile(r"^Person \d+%$")).first
    face = page.locator("[data-testid=box][data-kind=face]").first
    expect(person).to_be_visible()
    expect(face).to_be_visible()
    drawn, her_face, shown = person.bounding_box(), face.bounding_box(), picture.bounding_box()
    assert drawn["width"] > 0.25 * shown["width"] and drawn["height"] > 0.4 * shown["height"]
    assert inside(drawn, shown) and inside(her_face, drawn)  # the box is over her, face and all
    stored = analysis.faces.get().box  # fractions of the image: the drawn box scales with it
    for side, origin, extent in (("left", "x", "width"), ("top", "y", "height")):
        expected = shown[origin] + stored[side] * shown[extent]
        assert her_face[origin] == pytest.approx(expected, abs=2)
        assert her_face[extent] == pytest.approx(stored[extent] * shown[extent], abs=2)
    page.get_by_label("Objects").uncheck()  # the layer toggles hide the boxes
    expect(person).to_be_hidden()
    expect(face).to_be_visible()
    assert analysis.uploaded_by.username == "desk" and analysis.original_name == "astronaut.png"
    save_screenshot(page, "image-astronaut")


def test_files_dropped_together_are_uploaded_one_by_one(gallery, tmp_path):
    page = gallery
    files = {name: sample_png(tmp_path, name) for name in ("chelsea", "coffee")}
    # The bytes reach the page over HTTP, as from a desktop: no test hook in the page's code.
    page.route(
        "**/e2e-files/*.png",
        lambda route: route.fulfill(
            body=files[route.request.url.rsplit("/", 1)[1][:-4]].read_bytes(),
            content_type="image/png",
        ),
    )
    transfer = page.evaluate_handle(
        """async (names) => {
            const transfer = new DataTransfer();
            for (const name of names) {
                const blob = await (await fetch(`/e2e-files/${name}.png`)).blob();
                transfer.items.add(new File([blob], `${name}.png`, { type: "image/png" }));
            }
            return transfer;
        }""",
        list(files),
    )

    page.get_by_test_id("dropzone").dispatch_event("drop", {"dataTransfer": transfer})

    expect(page.get_by_test_id("upload-item")).to_have_count(2)
    cat, coffee = upload_item(page, "chelsea.png"), upload_item(page, "coffee.png")
    expect(cat).to_have_attribute("data-state", "done")
    expect(coffee).to_have_attribute("data-state", "done")
    expect(cat.get_by_test_id("upload-status")).to_contain_text("Cat")
    assert ImageAnalysis.objects.count() == 2
    page.get_by_test_id("upload-refresh").click()
    expect(page.get_by_test_id("image-card")).to_have_count(2)
    page.get_by_test_id("image-card").filter(has_text="chelsea.png").get_by_role("link").click()
    expect(
        page.get_by_test_id("label-chip").filter(has_text=re.compile(r"^\s*Cat\b"))
    ).to_be_visible()
    expect(
        page.get_by_test_id("label-chip").filter(has_text=re.compile(r"^\s*Person\b"))
    ).to_have_count(0)
    expect(page.get_by_test_id("moderation-state")).to_have_text("Clean")


def test_files_the_api_refuses_say_why_each_on_its_own_line(gallery, tmp_path):
    page = gallery
    notes = tmp_path / "notes.txt"
    notes.write_text("This is not a photo.\n")
    gif = tmp_path / "astronaut.gif"
    Image.fromarray(skimage.data.astronaut()).save(gif, "GIF")
    bomb = tmp_path / "huge.png"
    bomb.write_bytes(png_bomb(20_000, 20_000))

    page.get_by_test_id("image-input").set_input_files([str(notes), str(gif), str(bomb)])

    expected = {
        "notes.txt": "Not uploaded: The file is not an image.",
        "astronaut.gif": "Not uploaded: GIF images are not supported; send JPEG, PNG, WEBP.",
        "huge.png": re.compile(r"^Not uploaded: The image has .+, over the limit of 40,000,000"),
    }
    for name, message in expected.items():
        item = upload_item(page, name)
        expect(item).to_have_attribute("data-state", "error")
        expect(item.get_by_test_id("upload-status")).to_have_text(message)
        expect(item.get_by_test_id("upload-link")).to_have_count(0)
    expect(page.locator("#upload-announcer")).to_have_text("huge.png was not uploaded.")
    assert not ImageAnalysis.objects.exists()
    save_screenshot(page, "image-upload-errors")


def test_the_gallery_search_by_label_finds_the_cat_and_not_the_astronaut(gallery):
    page = gallery
    for name in ("chelsea", "astronaut"):
        services.image_intake(upload=png_of(name), source="web", original_name=f"{name}.png")
    page.reload()
    cards = page.get_by_test_id("image-card")
    expect(cards).to_have_count(2)

    page.get_by_label("Label", exact=True).fill("cat")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/images/\?label=cat&"))
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_test_id("image-card-name")).to_have_text("chelsea.png")
    expect(cards.first.get_by_test_id("card-label").first).to_contain_text("Cat")
    expect(page.get_by_label("Label", exact=True)).to_have_value("cat")
    page.get_by_label("Label", exact=True).fill("person")
    page.get_by_role("button", name="Search").click()
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_test_id("image-card-name")).to_have_text("astronaut.png")
    page.get_by_role("link", name="Clear").click()
    expect(cards).to_have_count(2)
    save_screenshot(page, "image-gallery")


def test_an_enrolled_persons_face_in_a_shared_photo_links_to_them(
    page, live_server, admin_user, faces
):
    obama = make_employee("Barack Obama", department="Government")
    enroll(obama, *faces.of("Obama")[:3])
    sign_in(page, live_server, admin_user)
    expect(page.locator("#image-gallery")).to_have_attribute("data-ready", "true")

    page.get_by_test_id("image-input").set_input_files(str(faces.multi(1)))
    item = upload_item(page, "1.jpg")
    expect(item).to_have_attribute("data-state", "done")
    item.get_by_role("link", name="Open").click()

    expect(page.get_by_test_id("face")).to_have_count(2)
    link = page.get_by_role("link", name="Barack Obama")
    expect(link).to_have_attribute("href", f"/admin/accounts/employee/{obama.pk}/change/")
    expect(page.get_by_test_id("face-unknown")).to_have_count(1)  # Biden is not enrolled
    expect(box_of(page, "face", "Barack Obama")).to_be_visible()
    expect(box_of(page, "face", "Face 1").or_(box_of(page, "face", "Face 2"))).to_be_visible()
    save_screenshot(page, "image-faces")
    link.click()
    expect(page).to_have_url(f"{live_server.url}/admin/accounts/employee/{obama.pk}/change/")
    expect(page.get_by_label("Name:")).to_have_value("Barack Obama")


def test_a_pending_analysis_shows_analysing_and_updates_when_done(page, live_server, admin_user):
    name = default_storage.save("uploads/dropped/chelsea.png", ContentFile(png_of("chelsea")))
    analysis = services.image_register_stored(name=name)  # as from an S3 event; not analysed yet
    sign_in(page, live_server, admin_user, path=f"/images/{analysis.pk}/")
    expect(page.get_by_test_id("analysis-pending")).to_contain_text("Analysing…")
    expect(page.locator("#image-page")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("label-chip")).to_have_count(0)

    assert services.image_analyze(analysis_id=analysis.pk)

    expect(
        page.get_by_test_id("label-chip").filter(has_text=re.compile(r"^\s*Cat\b"))
    ).to_be_visible()
    expect(page.get_by_test_id("analysis-pending")).to_have_count(0)
    expect(page.get_by_test_id("status")).to_have_text("Done")


def test_an_admin_deletes_an_image_from_its_page(page, live_server, admin_user):
    analysis = services.image_intake(
        upload=png_of("chelsea"), source="web", original_name="chelsea.png"
    ).analysis
    stored = analysis.image.name
    sign_in(page, live_server, admin_user, path=f"/images/{analysis.pk}/")

    page.get_by_text("Delete this image…").click()
    page.get_by_role("button", name="Delete the image").click()

    expect(page).to_have_url(f"{live_server.url}/images/")
    expect(page.get_by_test_id("message")).to_have_text("Deleted chelsea.png.")
    expect(page.get_by_test_id("image-card")).to_have_count(0)
    assert not ImageAnalysis.objects.exists() and not default_storage.exists(stored)
