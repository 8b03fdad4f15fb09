"""Fixtures shared by the whole suite: real photos, people, users with roles, API clients."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services as people
from accounts.models import Employee, Person, Visitor
from accounts.roles import Role
from recognition import services as recognition


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


def enroll(person: Person, *paths: Path) -> list:
    """Enrol photos the way the API does: stored, then indexed when the transaction commits."""
    photos = []
    for path in paths:
        with transaction.atomic():
            photo = recognition.photo_enroll(person=person, upload=path.read_bytes())
        photo.refresh_from_db()
        photos.append(photo)
    return photos


def make_employee(name: str = "Ada Lovelace", *, consent: bool = True, **fields) -> Employee:
    fields.setdefault("staff_number", f"E-{Employee.objects.count() + 1:05d}")
    if consent:
        fields |= {"consent_recorded_by": "test", "consent_recorded_at": timezone.now()}
    return people.employee_create(name=name, **fields)


def make_visitor(
    name: str = "Grace Hopper",
    *,
    consent: bool = True,
    starts_in=timedelta(hours=-1),
    lasts=timedelta(hours=4),
    **fields,
) -> Visitor:
    start = timezone.now() + starts_in
    if consent:
        fields |= {"consent_recorded_by": "test", "consent_recorded_at": timezone.now()}
    return people.visitor_create(name=name, visit_start=start, visit_end=start + lasts, **fields)


@pytest.fixture
def user_with_role(db):
    """A factory of users holding one role (or none)."""

    def create(role: Role | None, username: str | None = None) -> User:
        user = User.objects.create_user(
            username or f"user-{role.name.lower() if role else 'norole'}", password="pw-12345678"
        )
        if role:
            # get_or_create: transactional tests flush the groups the data migration made.
            user.groups.add(Group.objects.get_or_create(name=role.value)[0])
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
