"""What only the `rekognition` engine does: AWS's reasons and errors as ours, user vectors,
S3 objects or bytes, and what the API answers when AWS cannot serve.

Rekognition is answered by botocore's Stubber (see rekognition_stubs.py); S3 by moto.
"""

from __future__ import annotations

import io
import os
import uuid

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from django.db import transaction
from moto import mock_aws
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import FacePhoto
from accounts.roles import Role
from imagesift.storage import s3_storage_options
from recognition import services
from recognition.engines import enrolment_gate, get_engine, match_threshold, reset_engines
from recognition.engines.base import EngineUnavailable, FaceBox, FaceRejected, Rejection
from recognition.images import prepare_image
from recognition.models import Verification
from tests.conftest import enroll, make_employee
from tests.recognition.rekognition_stubs import (
    COLLECTION,
    FACE_MODEL,
    REGION,
    Captured,
    face_detail,
    rekognition_selected,
    stubbed_rekognition,
)
from tests.uploads import encode, upload, upright_with_orientation

BUCKET = "imagesift-photos-test"
URL = "/api/v1/verifications/"


@pytest.fixture
def aws(settings, monkeypatch):
    with stubbed_rekognition(settings, monkeypatch) as rekognition:
        yield rekognition


@pytest.fixture
def person(faces) -> str:
    return faces.people_with(4)[0]


@pytest.fixture
def portrait(faces, person) -> bytes:
    return faces.of(person)[0].read_bytes()


def index(engine, content: bytes, person_key: str = "7"):
    return engine.index_face(prepare_image(content), person_key=person_key, gate=enrolment_gate())


def rejection_of(engine, content: bytes) -> FaceRejected:
    with pytest.raises(FaceRejected) as rejected:
        index(engine, content)
    return rejected.value


def verify(client: APIClient, content: bytes):
    return client.post(URL, {"image": upload(content)}, format="multipart")


# --- the client -----------------------------------------------------------------------------------
def test_one_client_per_process_with_the_retry_configuration(settings, monkeypatch):
    with rekognition_selected(
        settings, monkeypatch, IMAGESIFT_AWS_RETRY_MODE="adaptive", IMAGESIFT_AWS_MAX_ATTEMPTS=5
    ) as engine:
        client = engine.client

        assert get_engine() is engine and get_engine().client is client
        assert client.meta.region_name == REGION
        assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 5}
        assert client.meta.config.read_timeout == settings.IMAGESIFT_AWS_TIMEOUT


def test_each_engine_has_its_own_threshold(settings, monkeypatch):
    settings.IMAGESIFT_MATCH_THRESHOLD = 70.0
    settings.IMAGESIFT_ENGINE = "local"
    reset_engines()
    assert match_threshold() == 70.0
    with rekognition_selected(settings, monkeypatch, IMAGESIFT_REKOGNITION_MATCH_THRESHOLD=97.0):
        assert match_threshold() == 97.0


# --- indexing: Rekognition's reasons as ours ------------------------------------------------------
@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        (["LOW_BRIGHTNESS"], Rejection.TOO_DARK),
        (["LOW_SHARPNESS"], Rejection.TOO_BLURRY),
        (["SMALL_BOUNDING_BOX"], Rejection.FACE_TOO_SMALL),
        (["LOW_FACE_QUALITY"], Rejection.TOO_BLURRY),
        (["EXTREME_POSE"], Rejection.NO_FACE),
        (["LOW_CONFIDENCE"], Rejection.NO_FACE),
        (["LOW_SHARPNESS", "LOW_BRIGHTNESS", "SMALL_BOUNDING_BOX"], Rejection.FACE_TOO_SMALL),
    ],
)
def test_unindexed_face_reasons_become_our_rejections(aws, portrait, reasons, expected):
    aws.leaves_out("7", reasons)
    assert rejection_of(aws.engine, portrait).reason == expected


def test_the_largest_face_left_out_gives_the_reason(aws, portrait):
    aws.leaves_out(
        "7",
        ["LOW_BRIGHTNESS"],
        ["EXTREME_POSE"],
        boxes=[(0.1, 0.1, 0.1, 0.1), (0.4, 0.3, 0.4, 0.5)],
    )
    rejected = rejection_of(aws.engine, portrait)
    assert rejected.reason == Rejection.NO_FACE
    assert rejected.detail == "the face is turned too far from the camera"


def test_index_faces_finding_no_face_at_all_is_no_face(aws, portrait):
    aws.fails("index_faces", "InvalidParameterException", "There are no faces in the image.")
    assert rejection_of(aws.engine, portrait).reason == Rejection.NO_FACE


@pytest.mark.parametrize(
    ("box", "quality", "expected"),
    [
        ((0.45, 0.45, 0.1, 0.12), {}, Rejection.FACE_TOO_SMALL),  # 25 px of a 250 px photo
        ((0.33, 0.29, 0.35, 0.45), {"brightness": 6.0}, Rejection.TOO_DARK),
    ],
    ids=["small", "dark"],
)
def test_our_gate_checks_the_indexed_face_and_takes_it_out_again(
    aws, portrait, box, quality, expected
):
    face_id = aws.indexes("7", box=box, **quality)
    aws.deletes(face_id)

    assert rejection_of(aws.engine, portrait).reason == expected


@pytest.mark.django_db(transaction=True)
def test_a_rejected_photo_records_the_reason(aws, faces, person):
    employee = make_employee(person)
    aws.leaves_out(str(employee.pk), ["LOW_BRIGHTNESS"])

    (photo,) = enroll(employee, faces.of(person)[0])

    assert (photo.state, photo.rejection_reason) == (FacePhoto.State.REJECTED, "too_dark")
    assert photo.face_id == ""


# --- user vectors ---------------------------------------------------------------------------------
def test_a_face_kept_out_of_the_user_vector_stays_indexed(aws, portrait, caplog):
    face_id = aws.indexes("7")
    aws.stubber.add_response("create_user", {}, {"CollectionId": COLLECTION, "UserId": "7"})
    aws.stubber.add_response(
        "associate_faces",
        {
            "AssociatedFaces": [],
            "UnsuccessfulFaceAssociations": [
                {"FaceId": face_id, "UserId": "7", "Reasons": ["LOW_MATCH_CONFIDENCE"]}
            ],
            "UserStatus": "ACTIVE",
        },
        {"CollectionId": COLLECTION, "UserId": "7", "FaceIds": [face_id]},
    )

    assert index(aws.engine, portrait).face_id == face_id
    assert "LOW_MATCH_CONFIDENCE" in caplog.text


def test_a_face_that_cannot_join_its_user_is_not_left_behind(aws, portrait):
    face_id = aws.indexes("7")
    aws.stubber.add_response("create_user", {}, {"CollectionId": COLLECTION, "UserId": "7"})
    aws.fails("associate_faces", "ThrottlingException", "Rate exceeded.")
    aws.deletes(face_id)

    with pytest.raises(EngineUnavailable, match="throttling"):
        index(aws.engine, portrait)


def test_search_reports_the_faces_it_did_not_search(aws, portrait):
    aws.finds(("7", 99.6), ("8", 91.2), others=2)

    search = aws.engine.search_face(prepare_image(portrait), threshold=match_threshold())

    assert [(match.person_key, match.similarity) for match in search.matches] == [
        ("7", 99.6),
        ("8", 91.2),
    ]
    assert search.faces_seen == 3


def test_a_probe_whose_faces_are_all_too_poor_has_no_usable_face(aws, portrait):
    aws.stubber.add_response(
        "search_users_by_image",
        {
            "UserMatches": [],
            "FaceModelVersion": FACE_MODEL,
            "UnsearchedFaces": [{"FaceDetails": face_detail(), "Reasons": ["LOW_BRIGHTNESS"]}],
        },
    )

    search = aws.engine.search_face(prepare_image(portrait), threshold=90.0)

    assert (search.face, search.faces_seen, search.rejection) == (None, 1, Rejection.TOO_DARK)


def test_without_user_vectors_each_person_is_matched_by_their_best_face(
    settings, monkeypatch, portrait
):
    with stubbed_rekognition(settings, monkeypatch, IMAGESIFT_REKOGNITION_USE_USERS=False) as aws:
        first, second = aws.indexes("7"), aws.indexes("7")  # no CreateUser, no AssociateFaces
        assert [index(aws.engine, portrait).face_id for _ in range(2)] == [first, second]
        aws.finds(
            ("7", 99.1), ("8", 93.4), face_ids={"7": [second, first], "8": [str(uuid.uuid4())]}
        )

        search = aws.engine.search_face(prepare_image(portrait), threshold=90.0)

    assert [match.person_key for match in search.matches] == ["7", "8"]
    assert search.best.face_id == second and search.best.similarity == 99.1
    assert search.faces_seen == 1  # SearchFacesByImage tells of the largest face only


# --- images: bytes or S3 objects ------------------------------------------------------------------
def sent(aws, content: bytes) -> tuple[dict, FaceBox]:
    """The `Image` the engine sends to DetectFaces for an upload, and the box it reports for
    a face Rekognition finds at (0.5, 0.25, 0.25, 0.5) of what it was sent."""
    aws.image = Captured()
    aws.detects((0.5, 0.25, 0.25, 0.5))
    (face,) = aws.engine.detect_faces(prepare_image(content))
    return aws.image.value, face.box


def test_an_upright_jpeg_goes_as_its_own_bytes(aws, portrait):
    assert sent(aws, portrait)[0] == {"Bytes": portrait}


def test_an_exif_turned_photo_goes_upright_so_boxes_fit_the_upright_image(aws, portrait):
    upright = Image.open(io.BytesIO(portrait)).convert("RGB").resize((300, 200))
    turned = upright_with_orientation(upright, 6)  # stored 200x300, shown 300x200

    image, box = sent(aws, turned)

    upright_jpeg = Image.open(io.BytesIO(image["Bytes"]))
    assert (upright_jpeg.format, upright_jpeg.size) == ("JPEG", (300, 200))
    assert upright_jpeg.getexif().get(0x0112, 1) == 1
    assert (box.left, box.top, box.width, box.height) == (150, 50, 75, 100)


def test_a_webp_goes_as_a_jpeg(aws, portrait):
    webp = encode(Image.open(io.BytesIO(portrait)), "WEBP")
    assert Image.open(io.BytesIO(sent(aws, webp)[0]["Bytes"])).format == "JPEG"


def test_an_image_over_5_mb_is_sent_smaller(aws):
    noise = Image.frombytes("RGB", (2400, 1600), os.urandom(2400 * 1600 * 3))
    content = encode(noise, "JPEG", quality=100)
    assert len(content) > 5 * 1024 * 1024

    smaller = sent(aws, content)[0]["Bytes"]

    assert len(smaller) <= 5 * 1024 * 1024
    width, height = Image.open(io.BytesIO(smaller)).size
    assert abs(width / height - 1.5) < 0.01


def test_boxes_reaching_past_the_edges_are_clipped(aws, portrait):
    aws.detects((-0.1, 0.9, 0.3, 0.2))
    (face,) = aws.engine.detect_faces(prepare_image(portrait))  # 250x250
    assert (face.box.left, face.box.top, face.box.width, face.box.height) == (0, 225, 50, 25)


@pytest.fixture
def s3_storage(settings, monkeypatch):
    """Photos in a (moto) S3 bucket under the prefix `media/`, configured as settings.py does."""
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        options = s3_storage_options(
            bucket=BUCKET, region=REGION, prefix="media", endpoint_url="", url_seconds=300
        )
        settings.STORAGES = settings.STORAGES | {
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
        }
        yield boto3.client("s3", region_name=REGION)


@pytest.mark.django_db(transaction=True)
def test_a_photo_in_s3_is_indexed_from_its_s3_object(aws, s3_storage, faces, person):
    employee = make_employee(person)
    key = Captured(r"media/photos/\d+/[0-9a-f]{32}\.jpg")
    aws.image = {"S3Object": {"Bucket": BUCKET, "Name": key}}
    aws.enrols(str(employee.pk))

    (photo,) = enroll(employee, faces.of(person)[0])

    assert photo.state == FacePhoto.State.INDEXED
    assert key.value == f"media/{photo.image.name}"
    stored = s3_storage.get_object(Bucket=BUCKET, Key=key.value)["Body"].read()
    assert stored == faces.of(person)[0].read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_turned_photo_in_s3_is_indexed_from_upright_bytes(aws, s3_storage, faces, person):
    employee = make_employee(person)
    upright = Image.open(faces.of(person)[0]).convert("RGB").resize((250, 200))
    sent = Captured()
    aws.image = {"Bytes": sent}
    aws.enrols(str(employee.pk))

    with transaction.atomic():
        photo = services.photo_enroll(person=employee, upload=upright_with_orientation(upright, 8))
    photo.refresh_from_db()

    assert photo.state == FacePhoto.State.INDEXED
    assert Image.open(io.BytesIO(sent.value)).size == (250, 200)  # stored 200x250


# --- removal --------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_removing_a_photo_deletes_its_face_from_the_user_and_the_collection(
    aws, api_as, faces, person
):
    employee = make_employee(person)
    face_id = aws.enrols(str(employee.pk))
    (photo,) = enroll(employee, faces.of(person)[0])
    aws.deletes(face_id, held_by=str(employee.pk))

    response = api_as(Role.ADMIN).delete(f"/api/v1/employees/{employee.pk}/photos/{photo.pk}/")

    assert response.status_code == 204
    assert not FacePhoto.objects.exists()


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

    response = verify(api_as(Role.FRONT_DESK), portrait)

    assert response.status_code == answer
    assert words in response.json()["detail"]
    expected_code = "image_too_large" if answer == 413 else "engine_unavailable"
    assert response.json()["code"] == expected_code
    assert not Verification.objects.exists()


@pytest.mark.django_db
def test_a_missing_collection_tells_the_operator_to_run_setup_aws(aws, api_as, portrait):
    aws.fails("search_users_by_image", "ResourceNotFoundException", "Collection not found.")

    response = verify(api_as(Role.FRONT_DESK), portrait)

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
        response = verify(api_as(Role.API_CLIENT), portrait)

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
        no_credentials = verify(client, portrait)
    with rekognition_selected(settings, monkeypatch, AWS_REGION=""):
        monkeypatch.delenv("AWS_DEFAULT_REGION")
        no_region = verify(client, portrait)

    assert no_credentials.status_code == no_region.status_code == 503
    assert "No AWS credentials" in no_credentials.json()["detail"]
    assert "set AWS_REGION" in no_region.json()["detail"]


@pytest.mark.django_db
def test_the_verification_asks_with_rekognitions_threshold(settings, monkeypatch, portrait):
    with stubbed_rekognition(
        settings, monkeypatch, IMAGESIFT_REKOGNITION_MATCH_THRESHOLD=97.5
    ) as aws:
        employee = make_employee()
        aws.finds((str(employee.pk), 99.2), threshold=97.5)

        verification = services.verification_perform(upload=portrait, channel="api")

    assert verification.decision == Verification.Decision.EMPLOYEE
    assert (verification.similarity, verification.engine) == (99.2, "rekognition")
