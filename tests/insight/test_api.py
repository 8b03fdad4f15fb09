"""The image API over HTTP: upload for analysis, read, search, delete; roles and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import EVERYONE, Role
from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis
from insight.services import text_for_search
from tests.factories import enroll, make_employee
from tests.insight.pictures import sign
from tests.uploads import BAD_UPLOAD_IDS, BAD_UPLOADS, media_files, sample_photo, upload

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/images/"
BOX = {"left": 0.1, "top": 0.1, "width": 0.5, "height": 0.1}


def post_image(client: APIClient, content: bytes, name: str = "photo.jpg", **fields):
    return client.post(URL, {"image": upload(content, name), **fields}, format="multipart")


def test_an_upload_is_accepted_with_the_analysis_url(api_client):
    response = post_image(api_client, sample_photo("chelsea"), "chelsea.jpg")

    assert response.status_code == 202, response.json()
    body = response.json()
    assert response["Location"] == body["url"] == f"http://testserver{URL}{body['id']}/"
    assert body["image"]["original_name"] == "chelsea.jpg"
    assert body["status"] in {"pending", "done"}  # here the analysis runs in-process at once

    analysis = api_client.get(body["url"]).json()
    assert analysis["status"] == "done"
    names = {label["name"] for label in analysis["labels"]}
    assert "Cat" in names and "Person" not in names
    assert analysis["moderation"] == {"flagged": False, "labels": []}
    assert analysis["image"]["key"].startswith("uploads/")
    image = api_client.get(analysis["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_an_upload_asks_for_its_own_confidence_and_label_count(api_client):
    body = post_image(api_client, sample_photo("chelsea"), min_confidence=50, max_labels=2).json()

    analysis = api_client.get(body["url"]).json()
    assert analysis["parameters"] == {"min_confidence": 50.0, "max_labels": 2}
    assert len(analysis["labels"]) == 2
    assert all(label["confidence"] >= 50 for label in analysis["labels"])


def test_the_same_image_uploaded_again_is_answered_200_with_its_analysis(api_client):
    first = post_image(api_client, sample_photo("chelsea"), "chelsea.jpg")
    files = media_files()

    again = post_image(api_client, sample_photo("chelsea"), "copy-of-chelsea.jpg")

    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["reused"] is False
    body = again.json()
    assert body["reused"] is True and body["id"] == first.json()["id"]
    assert body["status"] == "done" and "Cat" in {label["name"] for label in body["labels"]}
    assert body["image"]["original_name"] == "chelsea.jpg"  # the first upload's
    assert again["Content-Location"] == body["url"] and "Location" not in again
    assert ImageAnalysis.objects.count() == 1 and media_files() == files
    fewer = post_image(api_client, sample_photo("chelsea"), max_labels=1)
    assert fewer.status_code == 202 and fewer.json()["reused"] is False  # asked for another


def test_uploads_through_the_pages_session_are_recorded_as_web(api_client, client_as):
    by_token = post_image(api_client, sample_photo("coffee"))
    by_session = client_as(Role.FRONT_DESK).post(
        URL, {"image": upload(sample_photo("chelsea"), "cat.jpg")}
    )

    assert (by_token.status_code, by_session.status_code) == (202, 202)
    assert by_token.json()["image"]["source"] == ImageAnalysis.Source.API
    assert by_session.json()["image"]["source"] == ImageAnalysis.Source.WEB
    assert ImageAnalysis.objects.get(pk=by_session.json()["id"]).uploaded_by.username == (
        "user-front_desk"
    )


def test_a_field_the_upload_does_not_take_is_400_naming_it(api_client):
    response = post_image(api_client, sample_photo("coffee"), colour="red", max_labels=3)

    assert response.status_code == 400
    assert response.json()["errors"] == {"colour": ["This endpoint does not take this field."]}
    assert not ImageAnalysis.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"min_confidence": 101}, "min_confidence"), ({"max_labels": 0}, "max_labels")],
)
def test_bad_parameters_are_400_naming_them(api_client, fields, field):
    response = post_image(api_client, sample_photo("coffee"), **fields)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not ImageAnalysis.objects.exists()


@pytest.mark.parametrize(("name", "build", "status", "codes"), BAD_UPLOADS, ids=BAD_UPLOAD_IDS)
def test_bad_uploads_are_refused_and_nothing_is_written(api_client, name, build, status, codes):
    files_before = media_files()

    response = post_image(api_client, build(sample_photo("coffee")))

    assert response.status_code == status
    body = response.json()
    assert body["code"] in codes and body["detail"].endswith(".")
    assert not ImageAnalysis.objects.exists()
    assert media_files() == files_before


def test_roles(api_as, client):
    clients = {role: api_as(role) for role in Role}
    assert client.get(URL).status_code in {401, 403}
    assert api_as(None).get(URL).status_code == 403
    for role in EVERYONE:
        assert clients[role].get(URL).status_code == 200
    assert clients[Role.HOST].get(URL).status_code == 403  # a host's part is their visits
    response = post_image(clients[Role.FRONT_DESK], sample_photo("coffee"))
    assert response.status_code == 202
    deleting = clients[Role.FRONT_DESK].delete(response.json()["url"])
    assert deleting.status_code == 403
    assert ImageAnalysis.objects.count() == 1


def test_deleting_removes_the_image_its_metadata_and_analysis(api_client):
    body = post_image(api_client, sample_photo("coffee")).json()
    analysis = ImageAnalysis.objects.get(pk=body["id"])
    names = [analysis.image.name, analysis.metadata_name]
    assert all(default_storage.exists(name) for name in names)

    assert api_client.delete(body["url"]).status_code == 204

    assert not ImageAnalysis.objects.exists() and not AnalysisLabel.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert api_client.get(body["url"]).status_code == 404
    assert api_client.get(body["url"]).json()["code"] == "not_found"


# --- searching ------------------------------------------------------------------------------------
def analysed(
    count: int = 1,
    *,
    labels=(),
    text: tuple[str, ...] = (),
    flagged: bool = False,
    days_ago: int = 1,
    person=None,
):
    """Analyses written straight to the tables (the search does not look at pixels)."""
    made = []
    for number in range(count):
        analysis = ImageAnalysis.objects.create(
            image=f"uploads/test/{ImageAnalysis.objects.count()}-{number}.jpg",
            source=ImageAnalysis.Source.API,
            min_confidence=80,
            max_labels=25,
            status=ImageAnalysis.Status.DONE,
            moderation_flagged=flagged,
            created_at=timezone.now() - timedelta(days=days_ago, minutes=count - number),
            labels=[
                {
                    "name": name,
                    "confidence": confidence,
                    "parents": [],
                    "categories": [],
                    "instances": [],
                }
                for name, confidence in labels
            ],
            text_lines=[{"text": line, "confidence": 95.0, "box": BOX} for line in text],
            text_content=text_for_search(text),
        )
        AnalysisLabel.objects.bulk_create(
            AnalysisLabel(analysis=analysis, key=name.casefold(), name=name, confidence=confidence)
            for name, confidence in labels
        )
        if person is not None:
            AnalysisFace.objects.create(
                analysis=analysis,
                position=0,
                box={"left": 0.1, "top": 0.1, "width": 0.2, "height": 0.3},
                confidence=99,
                person=person,
                similarity=90,
            )
        made.append(analysis)
    return made


def test_search_by_label_confidence_person_moderation_and_time(api_client):
    ada = make_employee("Ada Lovelace")
    dogs = analysed(2, labels=[("Dog", 95), ("Animal", 95)])
    unsure_dog = analysed(labels=[("Dog", 82), ("Animal", 82)])
    cat_with_ada = analysed(labels=[("Cat", 99), ("Animal", 99), ("Person", 99)], person=ada)
    flagged = analysed(labels=[("Weapon", 90)], flagged=True, days_ago=30)

    def ids(**filters) -> set[int]:
        response = api_client.get(URL, filters)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["results"]}

    def of(*groups) -> set[int]:
        return {analysis.pk for group in groups for analysis in group}

    assert ids(label="Dog") == of(dogs, unsure_dog)
    assert ids(label="dog", min_confidence=90) == of(dogs)
    assert ids(label="Animal") == of(dogs, unsure_dog, cat_with_ada)
    assert ids(person=ada.pk) == of(cat_with_ada)
    assert ids(person=ada.pk, label="Dog") == set()
    assert ids(moderation="flagged") == of(flagged)
    assert ids(moderation="clean") == of(dogs, unsure_dog, cat_with_ada)
    assert ids(since=(timezone.now() - timedelta(days=7)).isoformat(), label="Weapon") == set()
    assert ids(until=(timezone.now() - timedelta(days=7)).isoformat()) == of(flagged)
    assert ids(label="Giraffe") == set()


def test_search_by_the_text_read_in_the_image(api_client):
    exit_sign = analysed(labels=[("Sign", 90)], text=("EMERGENCY", "EXIT"))
    menu = analysed(labels=[("Menu", 90)], text=("Espresso 2.50",), days_ago=2)
    analysed(labels=[("Sign", 90)])

    def ids(**filters) -> list[int]:
        response = api_client.get(URL, filters)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    assert ids(text="exit") == [exit_sign[0].pk]
    assert ids(text="emergency exit") == [exit_sign[0].pk]
    assert ids(text="ESPRESSO 2.5") == [menu[0].pk]
    assert ids(text="exit", label="sign") == [exit_sign[0].pk]
    assert ids(text="exit", label="menu") == []
    assert ids(text="giraffe") == []
    found = api_client.get(URL, {"text": "espresso"}).json()["results"][0]
    assert [line["text"] for line in found["text"]] == ["Espresso 2.50"]


def test_a_text_the_engine_read_is_found_by_it(api_client):
    body = post_image(api_client, sign(("EMERGENCY EXIT", "Espresso 2.50")), "sign.png").json()
    post_image(api_client, sample_photo("chelsea"), "chelsea.jpg")

    found = api_client.get(URL, {"text": "espresso"}).json()["results"]

    assert [item["id"] for item in found] == [body["id"]]


def test_pages_are_cursors_newest_first(api_client):
    rows = analysed(7)

    first = api_client.get(URL, {"page_size": 5}).json()
    second = api_client.get(first["next"]).json()

    assert [item["id"] for item in first["results"]] == [row.pk for row in rows[:1:-1]]
    assert [item["id"] for item in second["results"]] == [row.pk for row in rows[1::-1]]
    assert second["next"] is None and "count" not in first


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"moderation": "maybe"}, "moderation"),
        ({"person": "ada"}, "person"),
        ({"since": "yesterday"}, "since"),
        ({"min_confidence": "high"}, "min_confidence"),
        ({"status": "lost"}, "status"),
        ({"text": "x"}, "text"),
        ({"text": "x" * 201}, "text"),
        ({"labels": "Dog"}, "labels"),  # not a filter: misspelt
        ({"offset": "20"}, "offset"),  # not how pages go
    ],
)
def test_a_bad_filter_is_400_naming_it(api_client, filters, field):
    response = api_client.get(URL, filters)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]


def test_the_cursor_and_page_size_are_the_only_other_parameters_taken(api_client):
    analysed(3, labels=[("Dog", 95)])

    first = api_client.get(URL, {"label": "dog", "page_size": 2})
    second = api_client.get(first.json()["next"])

    assert (first.status_code, second.status_code) == (200, 200)
    assert "cursor=" in first.json()["next"] and len(second.json()["results"]) == 1
    unknown = api_client.get(URL, {"label": "dog", "page_size": 2, "sort": "name"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"sort": ["This endpoint does not take this field."]}


def test_a_face_of_an_enrolled_person_is_searchable_by_person(api_client, faces):
    jackie = make_employee("Jackie Chan")
    enroll(jackie, *faces.of("Jackie_Chan")[:2])

    body = post_image(api_client, faces.of("Jackie_Chan")[3].read_bytes()).json()

    found = api_client.get(URL, {"person": jackie.pk}).json()["results"]
    assert [item["id"] for item in found] == [body["id"]]
    [face] = found[0]["faces"]
    assert (
        face["person"]["name"] == "Jackie Chan"
        and face["similarity"] >= settings.IMAGESIFT_MATCH_THRESHOLD
    )


def test_the_schema_describes_the_analysis_document(api_client):
    import yaml

    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)

    assert {"get", "post"} <= set(schema["paths"][URL])
    listing, upload_ = schema["paths"][URL]["get"], schema["paths"][URL]["post"]
    assert {"text", "label", "cursor", "page_size"} <= {p["name"] for p in listing["parameters"]}
    answers = upload_["responses"]
    for status_code in ("200", "202"):
        reference = answers[status_code]["content"]["application/json"]["schema"]["$ref"]
        assert reference == "#/components/schemas/ImageTakenIn"
    assert "reused" in answers["200"]["description"]
    assert {"get", "delete"} <= set(schema["paths"][URL + "{id}/"])
    components = schema["components"]["schemas"]
    assert {"labels", "moderation", "faces", "text", "timings_ms"} <= set(
        components["ImageAnalysis"]["properties"]
    )
    assert components["ImageTakenIn"]["properties"]["reused"]["type"] == "boolean"
    assert "reused" in components["ImageTakenIn"]["required"]
    assert set(components["Label"]["properties"]) == {
        "name",
        "confidence",
        "parents",
        "categories",
        "instances",
    }
