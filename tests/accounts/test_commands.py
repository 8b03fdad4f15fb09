"""The people commands with real photos: `reindex` and `create_demo_admin`."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import F

from accounts.models import CollectionVersion, FacePhoto, StoredFace
from recognition.models import Verification
from tests.factories import enroll, make_employee, verify

pytestmark = pytest.mark.django_db(transaction=True)


# --- create_demo_admin ------------------------------------------------------------------------
def run_create_demo_admin() -> str:
    stdout = StringIO()
    call_command("create_demo_admin", stdout=stdout)
    return stdout.getvalue()


def test_demo_admin_gets_a_printed_password_once(monkeypatch):
    monkeypatch.delenv("IMAGESIFT_DEMO_ADMIN_USER", raising=False)
    monkeypatch.delenv("IMAGESIFT_DEMO_ADMIN_PASSWORD", raising=False)

    out = run_create_demo_admin()

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    password = out.split("password: ")[1].split()[0]
    assert admin.check_password(password)
    assert "Created demo admin" in out

    out = run_create_demo_admin()

    assert "its password is unchanged" in out
    admin.refresh_from_db()
    assert admin.check_password(password) and User.objects.count() == 1


def test_demo_admin_takes_name_and_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("IMAGESIFT_DEMO_ADMIN_USER", "desk-admin")
    monkeypatch.setenv("IMAGESIFT_DEMO_ADMIN_PASSWORD", "first-password-1")
    run_create_demo_admin()
    monkeypatch.setenv("IMAGESIFT_DEMO_ADMIN_PASSWORD", "second-password-2")

    out = run_create_demo_admin()

    assert "Updated demo admin" in out
    admin = User.objects.get()
    assert admin.username == "desk-admin" and admin.is_superuser
    assert admin.check_password("second-password-2")


def run_reindex(*args: str) -> str:
    stdout = StringIO()
    call_command("reindex", *args, "--no-progress", stdout=stdout)
    return stdout.getvalue()


def index_with_an_older_model(photos: list[FacePhoto]) -> None:
    """What an upgrade leaves: photos and vectors of the model the collection used before."""
    FacePhoto.objects.filter(pk__in=[photo.pk for photo in photos]).update(
        face_model="dlib-resnet-v1"
    )
    StoredFace.objects.update(model="dlib-resnet-v1")
    CollectionVersion.objects.update(version=F("version") + 1)


def test_photos_of_an_older_model_are_not_searched_until_reindexed(faces):
    name = faces.people_with(4)[0]
    person = make_employee(name)
    photos = enroll(person, *faces.of(name)[:2])
    assert [photo.state for photo in photos] == [FacePhoto.State.INDEXED] * 2
    index_with_an_older_model(photos)

    unknown = verify(faces.of(name)[3])
    assert unknown.decision == Verification.Decision.UNKNOWN
    assert "2 photos were indexed by another face model" in unknown.reason

    assert "indexed again by sface-2021dec-int8bq: 2 of 2" in run_reindex()
    assert set(person.photos.values_list("state", "face_model")) == {
        (FacePhoto.State.INDEXED, "sface-2021dec-int8bq")
    }
    assert set(StoredFace.objects.values_list("model", flat=True)) == {"sface-2021dec-int8bq"}
    recognised = verify(faces.of(name)[3])
    assert (recognised.decision, recognised.person_id) == (
        Verification.Decision.EMPLOYEE,
        person.pk,
    )
    assert "nothing to do" in run_reindex()


def test_reindex_all_indexes_every_photo_again(faces):
    name = faces.people_with(4)[0]
    photos = enroll(make_employee(name), *faces.of(name)[:2])
    old_face_ids = {photo.face_id for photo in photos}

    assert "2 of 2" in run_reindex("--all")

    new_face_ids = set(FacePhoto.objects.values_list("face_id", flat=True))
    assert len(new_face_ids) == 2 and not new_face_ids & old_face_ids
    assert StoredFace.objects.count() == 2
