"""Idempotency-Key on the API's uploads (`core/idempotency.py`): a retry gets the first answer
again, and nothing is written twice."""

from __future__ import annotations

import pytest

from accounts.models import FacePhoto
from accounts.roles import Role
from core.models import IdempotentRequest
from insight.models import ImageAnalysis
from recognition.models import Verification
from tests.factories import make_employee, photo_url
from tests.uploads import sample_photo, upload

pytestmark = pytest.mark.django_db(transaction=True)


def post(client, url: str, content: bytes, key: str = ""):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, {"image": upload(content)}, format="multipart", **headers)


@pytest.mark.parametrize(
    ("url", "created", "rows"),
    [
        ("/api/v1/images/", 202, ImageAnalysis.objects),
        ("/api/v1/verifications/", 201, Verification.objects),
    ],
    ids=["image", "verification"],
)
def test_a_retry_with_the_same_key_gets_the_first_answer_and_writes_nothing(
    api_as, url, created, rows
):
    client = api_as(Role.ADMIN)
    content = sample_photo("coffee")

    first = post(client, url, content, key="retry-1")
    again = post(client, url, content, key="retry-1")
    other = post(client, url, sample_photo("chelsea"), key="retry-2")  # another image

    assert first.status_code == again.status_code == other.status_code == created
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert other.json()["id"] != first.json()["id"]
    assert rows.count() == 2


def test_an_enrolment_retried_enrols_one_photo(api_as, faces):
    client = api_as(Role.ADMIN)
    employee = make_employee()
    content = faces.of("Jackie_Chan")[0].read_bytes()

    responses = [post(client, photo_url(employee), content, key="enrol-7") for _ in range(2)]

    assert [response.status_code for response in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert FacePhoto.objects.count() == 1


def test_without_a_key_every_post_writes(api_as):
    client = api_as(Role.ADMIN)

    for name in ("coffee", "chelsea"):  # the same image twice is one analysis (its digest)
        post(client, "/api/v1/images/", sample_photo(name))

    assert ImageAnalysis.objects.count() == 2


def test_a_refused_request_frees_its_key(api_as):
    client = api_as(Role.ADMIN)

    refused = post(client, "/api/v1/images/", b"not an image", key="k")
    accepted = post(client, "/api/v1/images/", sample_photo("coffee"), key="k")

    assert (refused.status_code, accepted.status_code) == (400, 202)


def test_a_key_used_elsewhere_or_still_under_way_is_refused(api_as):
    client = api_as(Role.ADMIN)
    post(client, "/api/v1/images/", sample_photo("coffee"), key="used")
    IdempotentRequest.objects.create(user=client.user, key="busy", path="/api/v1/images/")

    elsewhere = post(client, "/api/v1/verifications/", sample_photo("coffee"), key="used")
    busy = post(client, "/api/v1/images/", sample_photo("coffee"), key="busy")

    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "idempotency_key")
    assert (busy.status_code, busy.json()["code"]) == (409, "idempotency_key")
    assert ImageAnalysis.objects.count() == 1 and not Verification.objects.exists()


def test_keys_of_other_users_do_not_collide(api_as, user_with_role):
    first, second = api_as(Role.ADMIN), api_as(Role.API_CLIENT)

    for client, name in ((first, "coffee"), (second, "chelsea")):
        assert post(client, "/api/v1/images/", sample_photo(name), key="same").status_code == 202

    assert ImageAnalysis.objects.count() == 2
