"""One contract, every engine: the same scenarios against `local` and `rekognition`.

`local` runs YuNet + SFace on the real photos. `rekognition` is the real engine whose boto3
client is answered by botocore's Stubber: each scenario queues what Rekognition answers for those
photos, and Stubber checks the engine's requests (and those answers) against AWS's service
model. The assertions are the same for both: what the engine reports, and what the service
decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from accounts import services as people
from accounts.collection import face_collection
from accounts.models import FacePhoto
from recognition.models import Verification
from tests.factories import enroll, make_employee, verify
from tests.rekognition_stubs import Rekognition, forget_engines, stubbed_rekognition
from vision.boxes import BoxPx
from vision.faces import enrolment_gate
from vision.faces.base import FaceCollection, FaceRejected, FaceRejection, FaceSearch
from vision.images import PreparedImage, prepare_image

pytestmark = pytest.mark.django_db

# Boxes Rekognition gives for two faces side by side (ratios): the smaller one first, as the
# service does not promise any order.
TWO_FACES = [(0.62, 0.18, 0.12, 0.2), (0.22, 0.12, 0.16, 0.27)]


class NoRekognition:
    """The local engine works every answer out itself: there is nothing to queue."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


@dataclass
class Contract:
    engine: FaceCollection
    aws: Rekognition | NoRekognition

    def image(self, path: Path) -> PreparedImage:
        return prepare_image(path.read_bytes())

    def index(self, path: Path, person_key: str):
        return self.engine.index_face(
            self.image(path), person_key=person_key, gate=enrolment_gate()
        )

    def search(self, path: Path) -> FaceSearch:
        """As a verification searches: matches, and who is near enough for the deny list."""
        return self.engine.search_face(
            self.image(path),
            threshold=self.engine.match_threshold,
            near_threshold=self.engine.deny_list_threshold,
        )


@pytest.fixture(params=["local", "rekognition"])
def contract(request, settings, monkeypatch):
    if request.param == "local":
        settings.IMAGESIFT_ENGINE = "local"
        forget_engines()
        yield Contract(face_collection(), NoRekognition())
        forget_engines()
    else:
        with stubbed_rekognition(settings, monkeypatch) as aws:
            yield Contract(aws.collection, aws)


def inside(box: BoxPx, image: PreparedImage) -> bool:
    return (
        box.left >= 0
        and box.top >= 0
        and box.width > 0
        and box.height > 0
        and box.left + box.width <= image.width
        and box.top + box.height <= image.height
    )


# --- indexing -------------------------------------------------------------------------------------
def test_indexing_a_face_gives_its_face_id_and_box(contract, faces, person):
    path = faces.of(person)[0]
    contract.aws.enrols(person)

    indexed = contract.index(path, person)

    assert indexed.face_id
    assert inside(indexed.face.box, contract.image(path))
    assert min(indexed.face.box.width, indexed.face.box.height) >= enrolment_gate().min_face_px


def test_a_photo_without_a_face_is_rejected_as_no_face(contract, faces):
    contract.aws.leaves_out("1")  # IndexFaces: no FaceRecords, no UnindexedFaces

    with pytest.raises(FaceRejected) as rejected:
        contract.index(faces.nonface()[0], "1")

    assert rejected.value.reason == FaceRejection.NO_FACE


def test_a_photo_with_several_faces_is_rejected_and_nothing_is_kept(contract, faces):
    kept = contract.aws.leaves_out("1", ["EXCEEDS_MAX_FACES"], indexed_box=TWO_FACES[1])
    contract.aws.deletes(kept)  # the face IndexFaces stored goes again

    with pytest.raises(FaceRejected) as rejected:
        contract.index(faces.multi(1), "1")

    assert rejected.value.reason == FaceRejection.SEVERAL_FACES
    assert "2 faces" in rejected.value.detail


# --- searching ------------------------------------------------------------------------------------
def test_an_enrolled_person_is_found_from_another_photo(contract, faces, person):
    other = faces.people_with(4)[1]
    contract.aws.enrols(person)
    contract.aws.enrols(person, user_exists=True)
    contract.aws.enrols(other)
    for path in faces.of(person)[:2]:
        contract.index(path, person)
    contract.index(faces.of(other)[0], other)
    contract.aws.finds((person, 99.31))

    search = contract.search(faces.of(person)[3])

    assert search.best.person_key == person
    assert search.best.similarity >= contract.engine.match_threshold
    assert other not in {match.person_key for match in search.matches}
    assert search.faces_seen == 1
    assert inside(search.face.box, contract.image(faces.of(person)[3]))


def test_a_person_under_the_match_threshold_is_listed_as_near_only(contract, faces, person):
    contract.aws.enrols(person)
    contract.index(faces.of(person)[0], person)
    contract.aws.finds((person, 97.0))  # under the 100 asked for below, above the deny list's

    search = contract.engine.search_face(
        contract.image(faces.of(person)[3]),
        threshold=100.0,
        near_threshold=contract.engine.deny_list_threshold,
    )

    assert search.matches == ()
    assert [match.person_key for match in search.near] == [person]
    assert search.near[0].similarity >= contract.engine.deny_list_threshold
    assert contract.engine.deny_list_threshold < contract.engine.match_threshold


def test_a_face_is_compared_with_everyone_else_leaving_itself_out(contract, faces, person):
    other = faces.people_with(4)[1]
    first = contract.aws.enrols(person)
    second = contract.aws.enrols(person, user_exists=True)
    stranger = contract.aws.enrols(other)
    own = contract.index(faces.of(person)[0], person)
    contract.index(faces.of(person)[1], person)
    contract.index(faces.of(other)[0], other)
    contract.aws.compares(first, (person, second, 98.2), (other, stranger, 4.1), threshold=0.0)

    like = contract.engine.people_like_face(own.face_id, count=5)

    assert [match.person_key for match in like] == [person, other]
    assert like[0].face_id != own.face_id  # its own person, by their other photo
    assert like[0].similarity >= contract.engine.match_threshold > like[1].similarity


def test_a_face_alone_in_the_collection_is_like_nobody(contract, faces, person):
    face_id = contract.aws.enrols(person)
    indexed = contract.index(faces.of(person)[0], person)
    contract.aws.compares(face_id, threshold=0.0)

    assert contract.engine.people_like_face(indexed.face_id, count=5) == ()


def test_a_stranger_matches_nobody(contract, faces):
    for name in faces.people_with(3)[:3]:
        contract.aws.enrols(name)
        contract.index(faces.of(name)[0], name)
    contract.aws.finds_nobody()

    search = contract.search(faces.unknown()[0])

    assert search.face is not None
    assert search.matches == ()
    assert search.best is None


def test_an_image_without_a_face_has_no_face(contract, faces):
    contract.aws.sees_no_face()

    search = contract.search(faces.nonface()[0])

    assert search.face is None
    assert search.faces_seen == 0
    assert search.rejection == FaceRejection.NO_FACE
    assert search.matches == ()


def test_deleted_faces_are_not_found_any_more(contract, faces, person):
    contract.aws.enrols(person)
    contract.aws.enrols(person, user_exists=True)
    face_ids = [contract.index(path, person).face_id for path in faces.of(person)[:2]]
    contract.aws.deletes(*face_ids, held_by=person)  # freed from the person's user first
    contract.aws.finds_nobody()

    contract.engine.delete_faces(face_ids)
    search = contract.search(faces.of(person)[3])

    assert person not in {match.person_key for match in search.matches}


# --- detecting ------------------------------------------------------------------------------------
def test_every_face_of_a_group_photo_is_detected_largest_first(contract, faces):
    contract.aws.detects(*TWO_FACES)
    image = contract.image(faces.multi(1))

    detected = contract.engine.detect_faces(image)

    assert len(detected) == 2
    assert detected[0].box.area >= detected[1].box.area
    assert all(inside(face.box, image) for face in detected)


# --- through the service --------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_service_decides_the_same_on_every_engine(contract, faces, person):
    """Enrolment and verification through the services, with the engine chosen by settings."""
    employee = make_employee(person.replace("_", " "))
    key = str(employee.pk)
    contract.aws.enrols(key)
    contract.aws.enrols(key, user_exists=True)
    photos = enroll(employee, *faces.of(person)[:2])
    assert all(photo.face_id for photo in photos)

    contract.aws.finds((key, 99.12))
    recognised = verify(faces.of(person)[3])
    contract.aws.finds_nobody()
    stranger = verify(faces.unknown()[0])
    contract.aws.sees_no_face()
    no_face = verify(faces.nonface()[0])

    assert recognised.decision == Verification.Decision.EMPLOYEE
    assert recognised.person == employee
    assert recognised.similarity >= contract.engine.match_threshold
    assert stranger.decision == Verification.Decision.UNKNOWN and stranger.person is None
    assert no_face.decision == Verification.Decision.NO_FACE and no_face.faces_seen == 0
    assert {recognised.engine, stranger.engine, no_face.engine} == {contract.engine.name}
    # Each row says what the match was judged by.
    assert recognised.match_threshold == contract.engine.match_threshold
    assert recognised.face_model == contract.engine.model_name
    assert recognised.face_model.startswith(("YuNet", "Amazon Rekognition"))


@pytest.mark.django_db(transaction=True)
def test_a_probe_near_a_denied_person_but_under_the_match_threshold_is_possible_denied(
    contract, faces, person, settings
):
    denied = make_employee(person.replace("_", " "), denied=True, denied_reason="Badge revoked")
    other = faces.people_with(4)[1]
    allowed = make_employee(other.replace("_", " "))
    for employee, photo in ((denied, faces.of(person)[0]), (allowed, faces.of(other)[0])):
        contract.aws.enrols(str(employee.pk))
        enroll(employee, photo)
    settings.IMAGESIFT_MATCH_THRESHOLD = settings.IMAGESIFT_REKOGNITION_MATCH_THRESHOLD = 99.9
    contract.aws.finds((str(denied.pk), 97.0))
    flagged = verify(faces.of(person)[3])
    contract.aws.finds((str(allowed.pk), 97.0))  # near, but not on the deny list
    unknown = verify(faces.of(other)[3])

    assert flagged.decision == Verification.Decision.POSSIBLE_DENIED
    assert (flagged.person, flagged.person_name) == (denied, denied.name)
    assert contract.engine.deny_list_threshold <= flagged.similarity < 99.9
    assert "Badge revoked" in flagged.reason
    assert unknown.decision == Verification.Decision.UNKNOWN and unknown.person is None


@pytest.mark.django_db(transaction=True)
def test_an_erased_person_is_not_recognised_any_more(contract, faces, person):
    employee = make_employee(person.replace("_", " "))
    key = str(employee.pk)
    face_ids = [contract.aws.enrols(key), contract.aws.enrols(key, user_exists=True)]
    enroll(employee, *faces.of(person)[:2])
    contract.aws.forgets(key)  # DeleteUser first: it frees the faces ...
    for face_id in face_ids:
        contract.aws.deletes(face_id)  # ... which each photo's deletion then removes

    people.person_erase(person=employee)
    contract.aws.finds_nobody()
    verification = verify(faces.of(person)[3])

    assert verification.decision == Verification.Decision.UNKNOWN
    assert not FacePhoto.objects.exists()
