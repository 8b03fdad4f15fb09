"""Fixtures shared by the whole suite: real photos, users with roles, API clients, and AWS
stand-ins (a moto bucket, Rekognition answered by a Stubber, Zappa's Lambda invocations).
People and photos come from `tests/factories.py`; each app's own fixtures from its conftest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import Role, grant_role_permissions
from tests.aws import LambdaInvocations, fake_aws_credentials, media_bucket, on_lambda
from tests.receivers import mqtt_subscription, smtp_inbox, webhook_receiver  # noqa: F401 fixtures
from tests.rekognition_stubs import Rekognition, stubbed_rekognition


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The shared real photos (IMAGESIFT_FACES_DIR, default ../shared/faces)."""
    path = Path(settings.IMAGESIFT_FACES_DIR)
    if not (path / "people").is_dir():
        pytest.fail(f"The shared face photos are missing at {path} (set IMAGESIFT_FACES_DIR).")
    return path


class Faces:
    """Paths of the shared photos by purpose."""

    def __init__(self, root: Path):
        self.root = root

    def of(self, name: str) -> list[Path]:
        return sorted((self.root / "people" / name).glob("*.jpg"), key=lambda p: int(p.stem))

    def people_with(self, minimum: int) -> list[str]:
        return sorted(
            folder.name
            for folder in (self.root / "people").iterdir()
            if len(list(folder.glob("*.jpg"))) >= minimum
        )

    def unknown(self) -> list[Path]:
        return sorted((self.root / "unknown").glob("*.jpg"))

    def nonface(self) -> list[Path]:
        return sorted((self.root / "nonface").glob("*.jpg"), key=lambda p: int(p.stem))

    def multi(self, number: int) -> Path:
        return self.root / "multi" / f"{number}.jpg"


@pytest.fixture(scope="session")
def faces(faces_dir: Path) -> Faces:
    return Faces(faces_dir)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Request rates are counted in the cache: each test starts with none spent."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _own_gallery_snapshots(settings, tmp_path):
    """Each test's local collection shares its snapshots in a folder of its own."""
    settings.IMAGESIFT_GALLERY_DIR = str(tmp_path / "gallery")


@pytest.fixture
def user_with_role(db):
    """A factory of users holding one role (or none)."""

    def create(role: Role | None, username: str | None = None) -> User:
        user = User.objects.create_user(
            username or f"user-{role.name.lower() if role else 'norole'}", password="pw-12345678"
        )
        if role:
            # Again: transactional tests flush the groups the data migrations made.
            grant_role_permissions(Group, Permission)
            user.groups.add(Group.objects.get(name=role.value))
        return user

    return create


@pytest.fixture
def api_as(user_with_role):
    """A factory of API clients authenticated by token as a user of the given role."""

    def create(role: Role | None) -> APIClient:
        client = APIClient()
        user = user_with_role(role)
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        client.user = user
        return client

    return create


@pytest.fixture
def client_as(user_with_role):
    """A factory of test clients signed in as a user with the given role (or none)."""

    def create(role: Role | None) -> Client:
        client = Client()
        client.force_login(user_with_role(role))
        return client

    return create


@pytest.fixture
def admin(client: Client) -> Client:
    """The test client signed in as a superuser."""
    client.force_login(User.objects.create_superuser("root", password="pw-12345678"))
    return client


@pytest.fixture
def admin_api(db) -> APIClient:
    """An API client signed in as a superuser."""
    client = APIClient()
    client.force_authenticate(User.objects.create_superuser("api-root", password="pw-12345678"))
    return client


# --- AWS, offline -----------------------------------------------------------------------------
@pytest.fixture
def s3_media(request, settings, monkeypatch) -> Iterator:
    """The default storage in a private moto S3 bucket, as settings.py configures S3; yields an
    S3 client to look into it. `@pytest.mark.s3_media(prefix=…, url_seconds=…)` sets it up."""
    marker = request.node.get_closest_marker("s3_media")
    fake_aws_credentials(monkeypatch)
    with media_bucket(settings, **(marker.kwargs if marker else {})) as s3:
        yield s3


@pytest.fixture
def aws(settings, monkeypatch) -> Iterator[Rekognition]:
    """The `rekognition` engine selected, its client answered by botocore's Stubber: queue
    what Rekognition answers, and the test fails if any answer is left unasked."""
    with stubbed_rekognition(settings, monkeypatch) as stubbed:
        yield stubbed


@pytest.fixture
def lambda_invocations(monkeypatch) -> Iterator[LambdaInvocations]:
    """Running as inside the Lambda function: Zappa's tasks are invoked (and kept), not run."""
    with on_lambda(monkeypatch) as invocations:
        yield invocations


@pytest.fixture
def cat_labels() -> dict:
    """What DetectLabels answers for skimage's `chelsea` (a tabby cat), in the service's order."""
    pet = {"Parents": [], "Aliases": [], "Categories": [{"Name": "Animals and Pets"}]}
    return {
        "Labels": [
            {
                "Name": "Cat",
                "Confidence": 99.52,
                "Instances": [{"BoundingBox": _ratios(0.05, 0.02, 0.9, 0.97), "Confidence": 97.8}],
                "Parents": [{"Name": "Animal"}, {"Name": "Mammal"}, {"Name": "Pet"}],
                "Aliases": [{"Name": "Kitten"}],
                "Categories": [{"Name": "Animals and Pets"}],
            },
            {"Name": "Animal", "Confidence": 99.61, "Instances": [], **pet},
            {"Name": "Mammal", "Confidence": 99.61, "Instances": [], **pet},
            {"Name": "Abyssinian", "Confidence": 71.3, "Instances": [], **pet},
        ],
        "LabelModelVersion": "3.0",
    }


def _ratios(left: float, top: float, width: float, height: float) -> dict[str, float]:
    return {"Width": width, "Height": height, "Left": left, "Top": top}
