"""`manage.py setup_aws`: makes the Rekognition collection once, and says what it did."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.aws import MEDIA_BUCKET
from tests.rekognition_stubs import COLLECTION, FACE_MODEL, REGION

ARN = f"arn:aws:rekognition:{REGION}:123456789012:collection/{COLLECTION}"
REQUEST = {"CollectionId": COLLECTION}


def setup_aws() -> str:
    out = StringIO()
    call_command("setup_aws", stdout=out)
    return out.getvalue()


def collection_missing(aws) -> None:
    aws.fails("describe_collection", "ResourceNotFoundException", "Collection not found.")


def collection_exists(aws, faces: int = 12, users: int = 4) -> None:
    aws.stubber.add_response(
        "describe_collection",
        {
            "FaceCount": faces,
            "UserCount": users,
            "FaceModelVersion": FACE_MODEL,
            "CollectionARN": ARN,
            "CreationTimestamp": datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
        },
        REQUEST,
    )


def test_creates_the_missing_collection(aws):
    collection_missing(aws)
    aws.stubber.add_response(
        "create_collection",
        {"StatusCode": 200, "CollectionArn": ARN, "FaceModelVersion": FACE_MODEL},
        REQUEST,
    )

    out = setup_aws()

    assert f"Created Rekognition collection '{COLLECTION}' in {REGION} (face model 7.0)." in out


def test_an_existing_collection_is_left_alone(aws):
    collection_exists(aws)  # and no CreateCollection: Stubber fails any call not queued

    out = setup_aws()

    assert f"Rekognition collection '{COLLECTION}' in {REGION} exists" in out
    assert "12 faces, 4 users): nothing to do." in out
    assert "local disk" in out


def test_a_collection_made_meanwhile_elsewhere_counts_as_existing(aws):
    collection_missing(aws)
    aws.fails("create_collection", "ResourceAlreadyExistsException", "Collection exists.")
    collection_exists(aws, faces=0, users=0)

    assert "exists" in setup_aws()


def test_access_denied_is_a_clear_error(aws):
    aws.fails("describe_collection", "AccessDeniedException", "User is not authorized.")

    with pytest.raises(CommandError, match="AWS denied rekognition:DescribeCollection") as error:
        setup_aws()

    assert "IAM policy" in str(error.value)


def test_warns_when_another_engine_is_selected(aws, settings):
    settings.IMAGESIFT_ENGINE = "local"
    collection_exists(aws)

    assert "IMAGESIFT_ENGINE is 'local'" in setup_aws()


def test_checks_the_photo_bucket(aws, s3_media):
    collection_exists(aws)

    assert f"S3 bucket '{MEDIA_BUCKET}' is reachable." in setup_aws()


def test_a_missing_photo_bucket_is_an_error(aws, s3_media):
    s3_media.delete_public_access_block(Bucket=MEDIA_BUCKET)
    s3_media.delete_bucket(Bucket=MEDIA_BUCKET)
    collection_exists(aws)

    with pytest.raises(CommandError, match=f"The S3 bucket '{MEDIA_BUCKET}' does not exist"):
        setup_aws()
