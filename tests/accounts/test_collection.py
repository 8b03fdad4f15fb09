"""The face collection of enrolled people (`accounts/collection.py`): the engine settings name,
with the local engine's vectors in this app's tables, whose version moves with every change; and
the collection held against the photos (`services.collection_check`, `check_collection`)."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.collection import STORE, face_collection
from accounts.models import CollectionVersion, FacePhoto, StoredFace
from tests.factories import enroll, make_employee
from tests.rekognition_stubs import COLLECTION
from vision.faces.local import LocalFaceCollection

pytestmark = pytest.mark.django_db

VECTOR = bytes(range(16))
FACE_IDS = [str(uuid.uuid4()) for _ in range(3)]


def test_the_local_engine_keeps_its_vectors_in_this_apps_store(settings):
    settings.IMAGESIFT_ENGINE = "local"

    collection = face_collection()

    assert isinstance(collection, LocalFaceCollection) and collection.store is STORE
    assert face_collection() is collection  # one per process


def test_every_change_moves_the_version_and_nothing_else_does():
    first = STORE.add(person_key="7", vector=VECTOR, model="test-model")
    start = STORE.version()
    STORE.add(person_key="7", vector=VECTOR, model="test-model")
    after_adding = STORE.version()
    STORE.delete([first, "not-a-face-id"])
    after_deleting = STORE.version()
    STORE.delete(["3f1c5a52-0000-4000-8000-000000000000"])  # nobody's face: no change
    after_nothing = STORE.version()
    STORE.delete_person("7")

    after_forgetting = STORE.version()

    assert after_nothing == after_deleting
    assert len({start, after_adding, after_deleting, after_forgetting}) == 4
    assert not StoredFace.objects.exists()
    assert list(STORE.vectors()) == []


def test_the_vectors_come_back_grouped_by_person():
    bob = STORE.add(person_key="2", vector=VECTOR, model="test-model")
    ada = STORE.add(person_key="1", vector=bytes(16), model="test-model")

    assert list(STORE.vectors()) == [("1", ada, bytes(16)), ("2", bob, VECTOR)]


def test_versions_are_never_a_count_that_could_start_again():
    """A restored backup must not name a gallery snapshot (in a process, or on disk) of other
    faces: every version is drawn at random, also when the row was lost."""
    CollectionVersion.objects.all().delete()
    STORE.add(person_key="7", vector=VECTOR, model="test-model")
    first = STORE.version()
    STORE.add(person_key="7", vector=VECTOR, model="test-model")

    assert first > 2**32 and STORE.version() > 2**32
    assert STORE.version() != first + 1


# --- the collection held against the photos --------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_faces_without_a_photo_and_photos_without_a_face_are_found_and_repaired(faces):
    jackie = make_employee("Jackie Chan")
    kept, lost = enroll(jackie, *faces.of("Jackie_Chan")[:2])
    StoredFace.objects.filter(face_id=lost.face_id).delete()  # the engine lost it
    orphan = STORE.add(
        person_key="999999", vector=VECTOR, model="test-model"
    )  # an erasure the engine missed

    check = services.collection_check()

    assert (check.orphan_face_ids, check.photo_ids_without_face) == ([orphan], [lost.pk])
    assert not check.consistent
    services.collection_check(repair=True)
    assert not StoredFace.objects.filter(face_id=orphan).exists()
    lost.refresh_from_db()
    assert lost.state == FacePhoto.State.INDEXED
    assert StoredFace.objects.filter(face_id=lost.face_id).exists()
    assert services.collection_check().consistent
    assert FacePhoto.objects.get(pk=kept.pk).face_id == kept.face_id  # untouched


def test_the_face_of_a_photo_under_way_is_no_orphan():
    person = make_employee()
    FacePhoto.objects.create(person=person, image="photos/1/a.jpg", state="indexing")
    STORE.add(
        person_key=str(person.pk), vector=VECTOR, model="test-model"
    )  # written back in a moment

    assert services.collection_check().consistent


def test_check_collection_says_what_is_wrong_and_repairs_it_when_asked():
    orphan = STORE.add(person_key="999999", vector=VECTOR, model="test-model")
    out = StringIO()

    with pytest.raises(CommandError, match="run with --repair"):
        call_command("check_collection", stdout=out)
    call_command("check_collection", "--repair", stdout=out)

    assert f"Faces no photo holds: 1 ({orphan}…)" in out.getvalue()
    assert not StoredFace.objects.exists()
    call_command("check_collection", stdout=out)
    assert "The collection matches the photos." in out.getvalue()


def test_on_rekognition_orphan_faces_are_found_page_by_page_and_deleted(aws):
    person = make_employee()
    FacePhoto.objects.create(
        person=person, image="photos/1/a.jpg", state="indexed", face_id=FACE_IDS[0]
    )
    pages = [  # (faces, the token that asks for them, the token that asks for more)
        (FACE_IDS[:2], None, "more"),
        (FACE_IDS[2:], "more", None),
    ]
    for page, asked_with, more in pages:
        answer = {"Faces": [{"FaceId": face_id, "ExternalImageId": "1"} for face_id in page]}
        request = {"CollectionId": COLLECTION, "MaxResults": 4096}
        aws.stubber.add_response(
            "list_faces",
            answer | ({"NextToken": more} if more else {}),
            request | ({"NextToken": asked_with} if asked_with else {}),
        )
    aws.deletes(*sorted(FACE_IDS[1:]))

    check = services.collection_check(repair=True)

    assert check.orphan_face_ids == sorted(FACE_IDS[1:])
