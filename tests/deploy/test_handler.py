"""The deployment path offline: Zappa's Lambda handler in-process, fed the events AWS sends.

(a) API Gateway requests reach the DRF API; (b) the bucket's S3 events reach the task
functions through the packaged event mapping; (c) async tasks come back as Lambda invocations.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.authtoken.models import Token

from accounts.models import FacePhoto, StoredFace
from accounts.roles import Role
from insight.models import ImageAnalysis
from recognition.models import Verification
from tests.aws import (
    MEDIA_BUCKET,
    REGION,
    bucket_keys,
    fake_aws_credentials,
    media_bucket,
    s3_put_event,
)
from tests.deploy.conftest import zappa_stage
from tests.factories import enroll, make_employee
from tests.uploads import sample_photo, upload

pytestmark = pytest.mark.django_db(transaction=True)

FACE = "Jackie_Chan"
API_HOST = f"a1b2c3d4e5.execute-api.{REGION}.amazonaws.com"


@pytest.fixture
def api_gateway(settings, lambda_handler):
    """POST multipart through API Gateway (REST API, proxy integration) to the function."""
    allowed_hosts = zappa_stage()["environment_variables"]["DJANGO_ALLOWED_HOSTS"]
    settings.ALLOWED_HOSTS = allowed_hosts.split(",")

    def post(path: str, token: str, **files: bytes) -> dict:
        body = encode_multipart(
            BOUNDARY, {name: upload(content) for name, content in files.items()}
        )
        headers = {
            "Host": API_HOST,
            "Authorization": f"Token {token}",
            "Content-Type": MULTIPART_CONTENT,
            "X-Forwarded-For": "203.0.113.7, 130.176.0.1",
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
        }
        return lambda_handler(
            {
                "resource": "/{proxy+}",
                "path": path,
                "httpMethod": "POST",
                "headers": headers,
                "multiValueHeaders": {key: [value] for key, value in headers.items()},
                "queryStringParameters": None,
                "multiValueQueryStringParameters": None,
                "pathParameters": {"proxy": path.lstrip("/")},
                "stageVariables": None,
                "requestContext": {
                    "resourcePath": "/{proxy+}",
                    "httpMethod": "POST",
                    "path": f"/dev{path}",
                    "stage": "dev",
                    "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                    "accountId": "123456789012",
                    "apiId": "a1b2c3d4e5",
                    "identity": {"sourceIp": "203.0.113.7", "userAgent": "gate-kiosk/1.0"},
                },
                "body": base64.b64encode(body).decode(),
                "isBase64Encoded": True,
            }
        )

    return post


@pytest.fixture
def token(user_with_role):
    def create(role: Role) -> str:
        return Token.objects.create(user=user_with_role(role)).key

    return create


def test_api_gateway_request_verifies_a_face(
    faces, api_gateway, token, lambda_handler, lambda_invocations
):
    jackie = make_employee("Jackie Chan")
    lambda_invocations.expect(3)
    enroll(jackie, *faces.of(FACE)[:3])
    for payload in lambda_invocations.payloads:
        lambda_handler(payload)  # each photo's indexing task

    response = api_gateway(
        "/api/v1/verifications/", token(Role.API_CLIENT), image=faces.of(FACE)[3].read_bytes()
    )

    assert response["statusCode"] == 201, response.get("body")
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    assert body["decision"] == "employee"
    assert body["person"]["id"] == jackie.pk
    assert body["channel"] == "api"
    assert Verification.objects.get().operator_name == "user-api_client"


def test_api_gateway_refuses_a_request_without_a_role(faces, api_gateway, token):
    response = api_gateway("/api/v1/verifications/", "no-such-token", image=b"x")

    assert response["statusCode"] == 401
    assert json.loads(response["body"])["code"] == "authentication_failed"


def test_s3_events_index_a_photo_and_analyse_an_upload_once(
    settings, monkeypatch, faces, api_gateway, token, lambda_handler, lambda_invocations
):
    fake_aws_credentials(monkeypatch)
    with media_bucket(settings) as s3:
        jackie = make_employee("Jackie Chan")
        lambda_invocations.expect(1)  # the enrolment's indexing task
        enrolled = api_gateway(
            f"/api/v1/employees/{jackie.pk}/photos/",
            token(Role.ADMIN),
            image=faces.of(FACE)[0].read_bytes(),
        )
        assert enrolled["statusCode"] == 201, enrolled.get("body")
        photo = FacePhoto.objects.get(pk=json.loads(enrolled["body"])["id"])
        assert photo.state == FacePhoto.State.PENDING
        assert bucket_keys(s3) == [photo.image.name]

        photo_event = s3_put_event(photo.image.name)
        lambda_handler(photo_event)

        photo.refresh_from_db()
        assert photo.state == FacePhoto.State.INDEXED
        indexed = (photo.face_id, photo.indexed_at)
        lambda_handler(photo_event)  # a replay
        lambda_handler(lambda_invocations.payloads[0])  # the enrolment's task, arriving late
        photo.refresh_from_db()
        assert (photo.face_id, photo.indexed_at) == indexed
        assert StoredFace.objects.count() == 1

        upload_key = "uploads/front door/visitor+1 (2).jpg"
        s3.put_object(Bucket=MEDIA_BUCKET, Key=upload_key, Body=sample_photo("coffee"))
        lambda_handler(s3_put_event(upload_key))
        analysis = ImageAnalysis.objects.get(image=upload_key)
        assert analysis.status == ImageAnalysis.Status.DONE, analysis.failure_reason
        assert f"metadata/{upload_key}.json" in bucket_keys(s3)


def test_async_task_round_trip(faces, lambda_handler, lambda_invocations):
    lambda_invocations.expect(1)
    [photo] = enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])
    assert photo.state == FacePhoto.State.PENDING
    [payload] = lambda_invocations.payloads
    assert payload["command"] == "zappa.asynchronous.route_lambda_task"
    assert payload["task_path"] == "accounts.tasks.index_photo"

    lambda_handler(json.loads(json.dumps(payload)))  # as Lambda delivers it: JSON

    photo.refresh_from_db()
    assert photo.state == FacePhoto.State.INDEXED
    assert StoredFace.objects.filter(face_id=photo.face_id).exists()
