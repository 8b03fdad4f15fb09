"""Photos in S3: a private bucket (moto), keys by kind, presigned links that expire."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings as django_settings

from accounts.models import FacePhoto
from accounts.roles import Role
from recognition.models import Verification
from tests.aws import MEDIA_BUCKET, bucket_keys, fake_aws_credentials, media_bucket
from tests.factories import enroll, make_employee, verify
from tests.uploads import media_files, upload

FACE = "Jackie_Chan"
URL_SECONDS = 120

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.s3_media(url_seconds=URL_SECONDS),
]


def test_enrolled_photo_is_a_private_object_under_photos(s3_media, faces, admin_api):
    jackie = make_employee("Jackie Chan")
    content = faces.of(FACE)[0].read_bytes()
    local_files = media_files()

    response = admin_api.post(
        f"/api/v1/employees/{jackie.pk}/photos/", {"image": upload(content)}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "indexed"  # indexing read the photo back from S3
    photo = FacePhoto.objects.get(pk=response.json()["id"])
    [key] = bucket_keys(s3_media)
    assert key == photo.image.name
    assert key.startswith(f"photos/{jackie.pk}/") and key.endswith(".jpg")
    stored = s3_media.get_object(Bucket=MEDIA_BUCKET, Key=key)
    assert stored["Body"].read() == content
    assert stored["ContentType"] == "image/jpeg"
    grants = s3_media.get_object_acl(Bucket=MEDIA_BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner, no one else
    assert "URI" not in grants[0]["Grantee"]  # not AllUsers / AuthenticatedUsers
    assert media_files() == local_files  # nothing on local disk


def test_photo_link_redirects_to_a_presigned_url_that_expires(s3_media, faces, client_as):
    [photo] = enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])

    response = client_as(Role.FRONT_DESK).get(f"/photos/{photo.pk}/")

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert url.scheme == "https" and MEDIA_BUCKET in url.netloc + url.path
    assert url.path.endswith(photo.image.name)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == [str(URL_SECONDS)]
    assert query["X-Amz-Signature"][0]
    fetched = requests.get(response["Location"], timeout=5)  # answered by moto
    assert fetched.content == faces.of(FACE)[0].read_bytes()


def test_photo_link_keeps_its_role_check_with_s3(s3_media, faces, client_as, client):
    [photo] = enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])

    assert client_as(None).get(f"/photos/{photo.pk}/").status_code == 403
    assert client.get(f"/photos/{photo.pk}/").status_code in {401, 403}


def test_api_photo_urls_stay_the_checked_link(s3_media, faces, admin_api):
    jackie = make_employee("Jackie Chan")
    [photo] = enroll(jackie, faces.of(FACE)[0])

    body = admin_api.get(f"/api/v1/employees/{jackie.pk}/").json()

    assert body["photos"][0]["image_url"] == f"/photos/{photo.pk}/"


def test_deleted_photo_leaves_no_object(s3_media, faces, admin_api):
    jackie = make_employee("Jackie Chan")
    [kept, deleted] = enroll(jackie, *faces.of(FACE)[:2])

    response = admin_api.delete(f"/api/v1/employees/{jackie.pk}/photos/{deleted.pk}/")

    assert response.status_code == 204
    assert bucket_keys(s3_media) == [kept.image.name]


def test_probe_is_kept_under_probes_by_day(s3_media, faces):
    verification = verify(faces.of(FACE)[0])

    created = verification.created_at
    [key] = bucket_keys(s3_media)
    assert key.startswith(f"probes/{created:%Y/%m/%d}/")
    assert Verification.objects.get().probe_image.name == key


def test_a_prefix_puts_every_key_under_it(settings, monkeypatch, faces):
    fake_aws_credentials(monkeypatch)
    with media_bucket(settings, prefix="site a") as s3:
        jackie = make_employee("Jackie Chan")
        [photo] = enroll(jackie, faces.of(FACE)[0])

        assert photo.state == FacePhoto.State.INDEXED
        assert bucket_keys(s3) == [f"site a/{photo.image.name}"]
        assert photo.image.name.startswith(f"photos/{jackie.pk}/")


def test_settings_choose_s3_from_the_environment(tmp_path: Path):
    """settings.py itself, in a fresh process: a bucket in the environment switches storage."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("IMAGESIFT_")
    } | {
        "DJANGO_SETTINGS_MODULE": "imagesift.settings",
        "DJANGO_DEBUG": "1",
        "IMAGESIFT_S3_BUCKET": "imagesift-test-media",
        "IMAGESIFT_S3_REGION": "eu-central-1",
        "IMAGESIFT_S3_PREFIX": "/tenant-1/",
        "IMAGESIFT_PRESIGNED_URL_SECONDS": "60",
    }
    script = "from django.conf import settings; import json; print(json.dumps(settings.STORAGES))"

    def storages(env: dict[str, str]) -> dict:
        output = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=django_settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(output)

    default = storages(environment)["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"] == {
        "bucket_name": "imagesift-test-media",
        "region_name": "eu-central-1",
        "endpoint_url": None,
        "location": "tenant-1",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 60,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    without_bucket = {k: v for k, v in environment.items() if k != "IMAGESIFT_S3_BUCKET"}
    local = storages(without_bucket)["default"]
    assert local["BACKEND"] == "django.core.files.storage.FileSystemStorage"
