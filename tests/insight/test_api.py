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
from tests.factories import enroll, make_employee
from tests.uploads import BAD_UPLOAD_IDS, BAD_UPLOADS, media_files, sample_photo, upload

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/images/"


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
def analysed(count: int = 1, *, labels=(), flagged: bool = False, days_ago: int = 1, person=None):
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
    ],
)
def test_a_bad_filter_is_400_naming_it(api_client, filters, field):
    response = api_client.get(URL, filters)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]


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
    assert {"get", "delete"} <= set(schema["paths"][URL + "{id}/"])
    components = schema["components"]["schemas"]
    assert {"labels", "moderation", "faces", "text", "timings_ms"} <= set(
        components["ImageAnalysis"]["properties"]
    )
    assert set(components["Label"]["properties"]) == {
        "name",
        "confidence",
        "parents",
        "categories",
        "instances",
    }
