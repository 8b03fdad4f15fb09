"""The image pages through Django's test client: who may see them, the search, an image's page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.test import Client

from accounts.roles import Role
from insight import services
from insight.models import ImageAnalysis
from tests.factories import enroll, make_employee
from tests.insight.pictures import sign
from tests.uploads import sample_photo

pytestmark = pytest.mark.django_db(transaction=True)

GALLERY = "/images/"
ALL_ROLES = [Role.ADMIN, Role.FRONT_DESK, Role.API_CLIENT]


def analysed(content: bytes, name: str) -> ImageAnalysis:
    """An image uploaded and analysed on the local engine, as the API does it."""
    analysis = services.image_intake(upload=content, source="web", original_name=name).analysis
    analysis.refresh_from_db()
    assert analysis.status == ImageAnalysis.Status.DONE, analysis.failure_reason
    return analysis


def pending(name: str) -> ImageAnalysis:
    """An image dropped into storage and not analysed yet."""
    return services.image_register_stored(name=f"uploads/dropped/{name}")


def card_names(response) -> list[str]:
    return re.findall(r'data-testid="image-card-name">([^<]*)<', response.content.decode())


@pytest.fixture
def cat_and_astronaut() -> tuple[ImageAnalysis, ImageAnalysis]:
    return (
        analysed(sample_photo("chelsea"), "chelsea.jpg"),
        analysed(sample_photo("astronaut"), "astronaut.jpg"),
    )


@pytest.mark.parametrize("path", [GALLERY, "/images/1/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_users_without_a_role_are_refused(client_as):
    analysis = pending("cat.jpg")
    client = client_as(None)

    assert client.get(GALLERY).status_code == 403
    assert client.get(f"/images/{analysis.pk}/").status_code == 403
    assert client.post(f"/images/{analysis.pk}/delete/").status_code == 403
    assert ImageAnalysis.objects.filter(pk=analysis.pk).exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_sees_the_gallery_with_the_upload_zone(client_as, role):
    analysis = pending("cat.jpg")
    client = client_as(role)

    response = client.get(GALLERY)

    assert response.status_code == 200
    assert "csrftoken" in response.cookies  # the upload script sends it back to the API
    page = response.content.decode()
    assert 'data-testid="image-input"' in page and " multiple" in page
    assert 'data-upload-url="/api/v1/images/"' in page
    assert card_names(response) == ["cat.jpg"]
    assert f'src="/api/v1/images/{analysis.pk}/file/"' in page  # the thumbnail
    assert 'href="/images/" aria-current="page">Images</a>' in page
    assert client.get(f"/images/{analysis.pk}/").status_code == 200


def test_the_search_form_filters_by_label_confidence_moderation_and_status(
    client_as, cat_and_astronaut
):
    cat, _ = cat_and_astronaut
    waiting = pending("waiting.jpg")
    client = client_as(Role.FRONT_DESK)
    cat_confidence = next(label["confidence"] for label in cat.labels if label["name"] == "Cat")

    assert card_names(client.get(GALLERY)) == ["waiting.jpg", "astronaut.jpg", "chelsea.jpg"]
    assert card_names(client.get(GALLERY, {"label": "Cat"})) == ["chelsea.jpg"]
    assert card_names(client.get(GALLERY, {"label": "person"})) == ["astronaut.jpg"]
    at_its_confidence = {"label": "cat", "min_confidence": cat_confidence}
    assert card_names(client.get(GALLERY, at_its_confidence)) == ["chelsea.jpg"]
    above = client.get(GALLERY, {"label": "cat", "min_confidence": cat_confidence + 0.01})
    assert card_names(above) == []
    assert "No image matches this search." in above.content.decode()
    assert card_names(client.get(GALLERY, {"moderation": "clean"})) == [
        "astronaut.jpg",
        "chelsea.jpg",
    ]
    assert card_names(client.get(GALLERY, {"moderation": "flagged"})) == []
    assert card_names(client.get(GALLERY, {"status": "pending"})) == [waiting.original_name]

    refused = client.get(GALLERY, {"min_confidence": "very"})
    assert refused.status_code == 200
    assert card_names(refused) == []
    assert "Enter a number." in refused.content.decode()


def test_the_gallery_cards_name_the_most_specific_labels_first(client_as, cat_and_astronaut):
    page = client_as(Role.FRONT_DESK).get(GALLERY).content.decode()

    chelsea_card = page[page.index(f'data-id="{cat_and_astronaut[0].pk}"') :]
    first_label = re.search(r'data-testid="card-label">([^<]*?) <', chelsea_card).group(1)
    assert first_label == "Cat"  # not one of its parents, "Animal" or "Mammal"
    assert re.search(r'data-testid="card-moderation">Clean<', chelsea_card)


def test_the_person_select_offers_enrolled_people_and_finds_their_faces(client_as, faces):
    jackie = make_employee("Jackie Chan")
    make_employee("Nobody Enrolled")
    enroll(jackie, *faces.of("Jackie_Chan")[:2])
    analysed(faces.of("Jackie_Chan")[3].read_bytes(), "jackie.jpg")
    analysed(sample_photo("chelsea"), "chelsea.jpg")
    client = client_as(Role.ADMIN)

    page = client.get(GALLERY).content.decode()
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', page)
    assert (str(jackie.pk), "Jackie Chan (employee)") in options
    assert not any("Nobody Enrolled" in text for _, text in options)
    assert card_names(client.get(GALLERY, {"person": jackie.pk})) == ["jackie.jpg"]
    assert re.findall(r'data-testid="card-person">([^<]*)<', page) == ["Jackie Chan"]
    unknown = client.get(GALLERY, {"person": jackie.pk + 100})
    assert card_names(unknown) == []
    assert f'<option value="{jackie.pk + 100}" selected>Person #{jackie.pk + 100}' in (
        unknown.content.decode()
    )


def test_the_search_form_finds_the_text_read_in_an_image(client_as, cat_and_astronaut):
    analysed(sign(("EMERGENCY EXIT", "Espresso 2.50")), "sign.png")
    client = client_as(Role.FRONT_DESK)

    page = client.get(GALLERY).content.decode()
    assert '<label for="id_text">Text in the image</label>' in page
    assert card_names(client.get(GALLERY, {"text": "espresso"})) == ["sign.png"]
    assert card_names(client.get(GALLERY, {"text": " Emergency  EXIT "})) == ["sign.png"]
    assert card_names(client.get(GALLERY, {"text": "exit", "label": "cat"})) == []
    assert card_names(client.get(GALLERY, {"text": "giraffe"})) == []
    found = client.get(GALLERY, {"text": "espresso"}).content.decode()
    assert 'value="espresso"' in found and "Images found" in found

    refused = client.get(GALLERY, {"text": "e"})
    assert card_names(refused) == []
    assert "Ensure this value has at least 2 characters (it has 1)." in refused.content.decode()


def test_older_images_are_a_cursor_page_away(client_as):
    for number in range(26):
        pending(f"{number:02d}.jpg")
    client = client_as(Role.API_CLIENT)

    first = client.get(GALLERY, {"status": "pending"})
    names = card_names(first)
    assert names == [f"{number:02d}.jpg" for number in range(25, 1, -1)]  # 24, newest first
    older = re.search(r'href="(\?[^"]+)" rel="next"', first.content.decode()).group(1)
    assert "status=pending" in older and "cursor=" in older

    second = client.get(GALLERY + older.replace("&amp;", "&"))
    assert card_names(second) == ["01.jpg", "00.jpg"]
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' not in second.content.decode()
    assert client.get(GALLERY, {"cursor": "not-a-cursor"}).status_code == 404


def test_the_image_page_shows_labels_boxes_faces_and_timings(client, faces):
    obama = make_employee("Barack Obama")
    enroll(obama, *faces.of("Obama")[:3])
    analysis = analysed(faces.multi(1).read_bytes(), "two_people.jpg")
    client.force_login(User.objects.create_superuser("root", password="pw-12345678"))

    response = client.get(f"/images/{analysis.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'data-name="Person">\s*<span class="chip-name">Person</span>', page)
    instances = sum(len(label["instances"]) for label in analysis.labels)
    assert page.count('data-kind="label"') == instances
    assert page.count('data-kind="face"') == analysis.faces.count() >= 2
    admin_link = f'<a href="/admin/accounts/employee/{obama.pk}/change/" data-testid="face-person">'
    assert f"{admin_link}Barack Obama</a>" in page
    assert 'data-caption="Barack Obama"' in page
    face = analysis.faces.get(person=obama)
    box = face.box
    assert f"left: {box['left'] * 100:.2f}%; top: {box['top'] * 100:.2f}%" in page
    assert page.count('data-testid="timing"') == 4  # labels, moderation, faces, text
    assert 'data-testid="timing-total"' in page
    assert page.count('data-testid="model"') == len(analysis.models_used) >= 2
    assert 'data-testid="delete-button"' in page
    assert "insight/image.js" not in page  # nothing to wait for


def test_people_are_named_without_an_admin_link_for_the_front_desk(client_as, faces):
    jackie = make_employee("Jackie Chan")
    enroll(jackie, *faces.of("Jackie_Chan")[:2])
    analysis = analysed(faces.of("Jackie_Chan")[3].read_bytes(), "jackie.jpg")

    page = client_as(Role.FRONT_DESK).get(f"/images/{analysis.pk}/").content.decode()

    assert '<strong data-testid="face-person">Jackie Chan</strong>' in page
    assert "/admin/" not in page
    assert 'data-testid="delete-button"' not in page  # the front desk may not delete


def test_a_pending_analysis_says_so_and_a_failed_one_says_why(client_as):
    waiting = pending("waiting.jpg")
    name = default_storage.save("uploads/dropped/notes.jpg", ContentFile(b"Name,Badge\n" * 20))
    failed = services.image_register_stored(name=name)
    assert services.image_analyze(analysis_id=failed.pk)
    client = client_as(Role.FRONT_DESK)

    page = client.get(f"/images/{waiting.pk}/").content.decode()
    assert 'data-testid="analysis-pending"' in page and "Analysing…" in page
    assert "insight/image.js" in page
    assert f'data-api-url="/api/v1/images/{waiting.pk}/"' in page

    page = client.get(f"/images/{failed.pk}/").content.decode()
    assert "The analysis failed: The file is not an image." in page
    assert 'data-testid="label-chip"' not in page
    gallery = client.get(GALLERY).content.decode()
    assert 'data-testid="card-status">Analysis failed<' in gallery
    assert 'data-testid="card-status">Analysing…<' in gallery


@pytest.mark.parametrize("role", [Role.ADMIN, Role.API_CLIENT])
def test_admins_and_api_clients_delete_an_image(client_as, role):
    analysis = analysed(sample_photo("chelsea"), "chelsea.jpg")
    image_name, metadata_name = analysis.image.name, analysis.metadata_name
    client = client_as(role)

    response = client.post(f"/images/{analysis.pk}/delete/", follow=True)

    assert response.redirect_chain == [("/images/", 302)]
    assert "Deleted chelsea.jpg." in response.content.decode()
    assert not ImageAnalysis.objects.exists()
    assert not default_storage.exists(image_name) and not default_storage.exists(metadata_name)
    assert client.get(f"/images/{analysis.pk}/").status_code == 404


def test_the_front_desk_cannot_delete_an_image(client_as):
    analysis = pending("cat.jpg")
    client = client_as(Role.FRONT_DESK)

    assert client.post(f"/images/{analysis.pk}/delete/").status_code == 403
    assert client.get(f"/images/{analysis.pk}/delete/").status_code == 405
    assert ImageAnalysis.objects.filter(pk=analysis.pk).exists()


def test_an_unknown_image_is_not_found(client_as):
    assert client_as(Role.ADMIN).get("/images/999999/").status_code == 404


def test_a_csrf_protected_delete_needs_the_token():
    User.objects.create_superuser("root", password="pw-12345678")
    analysis = pending("cat.jpg")
    client = Client(enforce_csrf_checks=True)
    client.login(request=HttpRequest(), username="root", password="pw-12345678")

    assert client.post(f"/images/{analysis.pk}/delete/").status_code == 403
    assert ImageAnalysis.objects.filter(pk=analysis.pk).exists()
