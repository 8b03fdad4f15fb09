"""The Rekognition client: one per process, configured from settings, and AWS's errors as
clear answers (vision/aws/client.py), seen through the API as a client sees them."""

from __future__ import annotations

import pytest
from botocore.awsrequest import AWSResponse

from accounts.collection import face_collection
from accounts.roles import Role
from recognition.models import Verification
from tests.factories import make_employee, post_verification, verify
from tests.rekognition_stubs import (
    COLLECTION,
    REGION,
    forget_engines,
    rekognition_selected,
    stubbed_rekognition,
)
from vision.analysis import image_analyser


# --- the client -----------------------------------------------------------------------------------
def test_one_client_per_process_with_the_retry_configuration(settings, monkeypatch):
    with rekognition_selected(
        settings, monkeypatch, IMAGESIFT_AWS_RETRY_MODE="adaptive", IMAGESIFT_AWS_MAX_ATTEMPTS=5
    ) as engine:
        client = engine.client

        assert face_collection() is engine and image_analyser().rekognition.client is client
        assert client.meta.region_name == REGION
        assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 5}
        assert client.meta.config.read_timeout == settings.IMAGESIFT_AWS_TIMEOUT


def test_each_engine_has_its_own_threshold(settings, monkeypatch):
    settings.IMAGESIFT_MATCH_THRESHOLD = 70.0
    settings.IMAGESIFT_ENGINE = "local"
    forget_engines()
    assert face_collection().match_threshold == 70.0
    with rekognition_selected(settings, monkeypatch, IMAGESIFT_REKOGNITION_MATCH_THRESHOLD=97.0):
        assert face_collection().match_threshold == 97.0


# --- what the API answers when AWS cannot serve ---------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "status", "answer", "words"),
    [
        ("ProvisionedThroughputExceededException", 400, 503, "throttling"),
        ("ThrottlingException", 400, 503, "throttling"),
        ("ImageTooLargeException", 400, 413, "too large"),
        ("ResourceNotFoundException", 400, 503, f"'{COLLECTION}' does not exist"),
        ("AccessDeniedException", 400, 503, "IAM policy"),
        ("InternalServerError", 500, 503, "try again"),
    ],
)
def test_aws_errors_are_clear_json_answers(aws, api_as, portrait, code, status, answer, words):
    aws.fails("search_users_by_image", code, "Rekognition says no.", status=status)

    response = post_verification(api_as(Role.FRONT_DESK), portrait)

    assert response.status_code == answer
    assert words in response.json()["detail"]
    expected_code = "image_too_large" if answer == 413 else "engine_unavailable"
    assert response.json()["code"] == expected_code
    assert not Verification.objects.exists()


@pytest.mark.django_db
def test_a_missing_collection_tells_the_operator_to_run_setup_aws(aws, api_as, portrait):
    aws.fails("search_users_by_image", "ResourceNotFoundException", "Collection not found.")

    response = post_verification(api_as(Role.FRONT_DESK), portrait)

    assert response.status_code == 503
    assert response.json() == {
        "detail": f"The Rekognition collection '{COLLECTION}' does not exist in {REGION}: "
        "run manage.py setup_aws.",
        "code": "engine_unavailable",
    }


class _Body:
    def __init__(self, content: bytes):
        self.content = content

    def stream(self, **kwargs):
        yield self.content


@pytest.mark.django_db
def test_throttling_is_retried_with_backoff_then_answered_503(
    settings, monkeypatch, api_as, portrait
):
    """Below Stubber: botocore's own retry handler sees AWS's HTTP answer each time."""
    attempts = []

    def throttled(request, **kwargs) -> AWSResponse:
        attempts.append(request.url)
        body = b'{"__type": "ThrottlingException", "Message": "Rate exceeded"}'
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "1-2-3"}
        return AWSResponse(request.url, 400, headers, _Body(body))

    with rekognition_selected(settings, monkeypatch, IMAGESIFT_AWS_MAX_ATTEMPTS=3) as engine:
        engine.client.meta.events.register("before-send.rekognition", throttled)
        response = post_verification(api_as(Role.API_CLIENT), portrait)

    assert len(attempts) == 3
    assert response.status_code == 503
    assert response.json() == {
        "detail": "Amazon Rekognition is throttling requests (tried 3x); try again in a moment.",
        "code": "engine_unavailable",
    }


@pytest.mark.django_db
def test_missing_credentials_or_region_are_clear_503s(settings, monkeypatch, api_as, portrait):
    client = api_as(Role.FRONT_DESK)
    with rekognition_selected(settings, monkeypatch):
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        no_credentials = post_verification(client, portrait)
    with rekognition_selected(settings, monkeypatch, AWS_REGION=""):
        monkeypatch.delenv("AWS_DEFAULT_REGION")
        no_region = post_verification(client, portrait)

    assert no_credentials.status_code == no_region.status_code == 503
    assert "No AWS credentials" in no_credentials.json()["detail"]
    assert "set AWS_REGION" in no_region.json()["detail"]


@pytest.mark.django_db
def test_the_verification_asks_with_rekognitions_threshold(settings, monkeypatch, portrait):
    with stubbed_rekognition(
        settings,
        monkeypatch,
        IMAGESIFT_REKOGNITION_MATCH_THRESHOLD=97.5,
        IMAGESIFT_REKOGNITION_DENY_LIST_THRESHOLD=95.0,
    ) as aws:
        employee = make_employee()
        aws.finds((str(employee.pk), 99.2), threshold=95.0)  # the lower: the deny list's

        verification = verify(portrait)

    assert verification.decision == Verification.Decision.EMPLOYEE
    assert (verification.similarity, verification.engine) == (99.2, "rekognition")
