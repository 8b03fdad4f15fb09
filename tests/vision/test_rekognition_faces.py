"""What only the `rekognition` face collection does: AWS's reasons as our rejections, user
vectors, searches, and removal. Rekognition is answered by botocore's Stubber
(tests/rekognition_stubs.py)."""

from __future__ import annotations

import io
import uuid

import pytest
from botocore.stub import ANY
from PIL import Image, ImageChops, ImageStat

from accounts.models import FacePhoto
from accounts.roles import Role
from tests.factories import enroll, make_employee
from tests.rekognition_stubs import (
    COLLECTION,
    FACE_MODEL,
    THRESHOLD,
    Captured,
    face_detail,
    stubbed_rekognition,
)
from vision.boxes import BoxPx
from vision.errors import EngineUnavailable
from vision.faces import enrolment_gate
from vision.faces.base import FaceRejected, FaceRejection
from vision.images import prepare_image

# Obama's and Biden's faces as Rekognition boxes them in multi/1.jpg (1126x661 px), the smaller
# first: the service promises no order.
BIDEN = (0.685, 0.09, 0.145, 0.28)  # 164x186 px at (771, 59)
OBAMA = (0.2, 0.11, 0.17, 0.28)  # 192x185 px at (225, 73)


def index(collection, content: bytes, person_key: str = "7"):
    return collection.index_face(
        prepare_image(content), person_key=person_key, gate=enrolment_gate()
    )


def rejection_of(collection, content: bytes) -> FaceRejected:
    with pytest.raises(FaceRejected) as rejected:
        index(collection, content)
    return rejected.value


# --- indexing: Rekognition's reasons as ours ------------------------------------------------------
@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        (["LOW_BRIGHTNESS"], FaceRejection.TOO_DARK),
        (["LOW_SHARPNESS"], FaceRejection.TOO_BLURRY),
        (["SMALL_BOUNDING_BOX"], FaceRejection.FACE_TOO_SMALL),
        (["LOW_FACE_QUALITY"], FaceRejection.TOO_BLURRY),
        (["EXTREME_POSE"], FaceRejection.NO_FACE),
        (["LOW_CONFIDENCE"], FaceRejection.NO_FACE),
        (["LOW_SHARPNESS", "LOW_BRIGHTNESS", "SMALL_BOUNDING_BOX"], FaceRejection.FACE_TOO_SMALL),
    ],
)
def test_unindexed_face_reasons_become_our_rejections(aws, portrait, reasons, expected):
    aws.leaves_out("7", reasons)
    assert rejection_of(aws.collection, portrait).reason == expected


def test_the_largest_face_left_out_gives_the_reason(aws, portrait):
    aws.leaves_out(
        "7",
        ["LOW_BRIGHTNESS"],
        ["EXTREME_POSE"],
        boxes=[(0.1, 0.1, 0.1, 0.1), (0.4, 0.3, 0.4, 0.5)],
    )
    rejected = rejection_of(aws.collection, portrait)
    assert rejected.reason == FaceRejection.NO_FACE
    assert rejected.detail == "the face is turned too far from the camera"


def test_index_faces_finding_no_face_at_all_is_no_face(aws, portrait):
    aws.fails("index_faces", "InvalidParameterException", "There are no faces in the image.")
    assert rejection_of(aws.collection, portrait).reason == FaceRejection.NO_FACE


@pytest.mark.parametrize(
    ("box", "quality", "expected"),
    [
        ((0.45, 0.45, 0.1, 0.12), {}, FaceRejection.FACE_TOO_SMALL),  # 25 px of a 250 px photo
        ((0.33, 0.29, 0.35, 0.45), {"brightness": 6.0}, FaceRejection.TOO_DARK),
    ],
    ids=["small", "dark"],
)
def test_our_gate_checks_the_indexed_face_and_takes_it_out_again(
    aws, portrait, box, quality, expected
):
    face_id = aws.indexes("7", box=box, **quality)
    aws.deletes(face_id)

    assert rejection_of(aws.collection, portrait).reason == expected


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

    assert index(aws.collection, portrait).face_id == face_id
    assert "LOW_MATCH_CONFIDENCE" in caplog.text


def test_a_face_that_cannot_join_its_user_is_not_left_behind(aws, portrait):
    face_id = aws.indexes("7")
    aws.stubber.add_response("create_user", {}, {"CollectionId": COLLECTION, "UserId": "7"})
    aws.fails("associate_faces", "ThrottlingException", "Rate exceeded.")
    aws.deletes(face_id)

    with pytest.raises(EngineUnavailable, match="throttling"):
        index(aws.collection, portrait)


def test_search_reports_the_faces_it_did_not_search(aws, portrait):
    aws.finds(("7", 99.6), ("8", 91.2), others=2, threshold=THRESHOLD)

    search = aws.collection.search_face(
        prepare_image(portrait), threshold=aws.collection.match_threshold
    )

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

    search = aws.collection.search_face(prepare_image(portrait), threshold=90.0)

    assert (search.face, search.faces_seen, search.rejection) == (None, 1, FaceRejection.TOO_DARK)


def test_without_user_vectors_each_person_is_matched_by_their_best_face(
    settings, monkeypatch, portrait
):
    with stubbed_rekognition(settings, monkeypatch, IMAGESIFT_REKOGNITION_USE_USERS=False) as aws:
        first, second = aws.indexes("7"), aws.indexes("7")  # no CreateUser, no AssociateFaces
        assert [index(aws.collection, portrait).face_id for _ in range(2)] == [first, second]
        aws.finds(
            ("7", 99.1),
            ("8", 93.4),
            face_ids={"7": [second, first], "8": [str(uuid.uuid4())]},
            threshold=THRESHOLD,
        )

        search = aws.collection.search_face(prepare_image(portrait), threshold=90.0)

    assert [match.person_key for match in search.matches] == ["7", "8"]
    assert search.best.face_id == second and search.best.similarity == 99.1
    assert search.faces_seen == 1  # SearchFacesByImage tells of the largest face only


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


# --- every face in a photo ------------------------------------------------------------------------
def crop_of(sent: Captured) -> Image.Image:
    return Image.open(io.BytesIO(sent.value["Bytes"])).convert("RGB")


def test_each_face_is_searched_in_its_own_crop_largest_first(aws, faces):
    content = faces.multi(1).read_bytes()
    image = prepare_image(content)
    aws.image = {"Bytes": content}
    aws.detects(BIDEN, OBAMA)
    crops = [Captured(), Captured()]
    aws.image = crops[0]
    aws.finds(("obama", 99.2), ("someone-else", 90.4), threshold=THRESHOLD)
    aws.image = crops[1]
    aws.finds_nobody(threshold=THRESHOLD)

    searches = aws.collection.search_all_faces(image, threshold=THRESHOLD, max_faces=5)

    assert [search.face.box for search in searches] == [
        BoxPx(225, 73, 192, 185),
        BoxPx(771, 59, 164, 186),
    ]
    assert [[match.person_key for match in search.matches] for search in searches] == [
        ["obama"],  # the best person only, as the local engine answers
        [],
    ]
    assert [search.faces_seen for search in searches] == [2, 2]
    # Obama's face with half a face around it (cut off by the top edge), as it is in the photo.
    obama = crop_of(crops[0])
    assert obama.size == (384, 350)
    same = ImageChops.difference(obama, image.pixels.crop((129, 0, 513, 350)))
    assert max(ImageStat.Stat(same).mean) < 4


def test_a_crop_without_a_face_matches_nobody_and_max_faces_caps_the_searches(aws, faces):
    content = faces.multi(1).read_bytes()
    aws.image = {"Bytes": content}
    aws.detects(BIDEN, (0.45, 0.5, 0.05, 0.08), OBAMA)  # the middle "face": a watch
    aws.image = ANY
    aws.sees_no_face(
        threshold=THRESHOLD
    )  # in Obama's crop: what Rekognition says of a crop without a face
    aws.finds(("biden", 98.7), threshold=THRESHOLD)

    searches = aws.collection.search_all_faces(
        prepare_image(content), threshold=THRESHOLD, max_faces=2
    )

    assert [search.face.box.left for search in searches] == [225, 771]
    assert [search.best and search.best.person_key for search in searches] == [None, "biden"]
    assert [search.faces_seen for search in searches] == [3, 3]


def test_a_tiny_face_is_cut_out_at_rekognitions_smallest_size(aws, faces):
    content = faces.multi(1).read_bytes()
    aws.image = {"Bytes": content}
    aws.detects((0.5, 0.5, 0.02, 0.03))  # 23x20 px
    sent = Captured()
    aws.image = sent
    aws.finds_nobody(threshold=THRESHOLD)

    aws.collection.search_all_faces(prepare_image(content), threshold=THRESHOLD, max_faces=1)

    width, height = crop_of(sent).size
    assert min(width, height) == 80


def test_other_faces_in_a_crop_are_painted_over_and_a_match_off_centre_is_not_taken(aws, faces):
    content = faces.multi(1).read_bytes()
    aws.image = {"Bytes": content}
    aws.detects(OBAMA, (0.4, 0.1, 0.05, 0.09))  # 57x60 px at (450, 66): in Obama's margin
    sent = Captured()
    aws.image = sent
    aws.finds(("someone", 97.0), box=(0.78, 0.05, 0.2, 0.25), threshold=THRESHOLD)  # at the edge
    aws.image = ANY
    aws.finds_nobody(threshold=THRESHOLD)

    obama, _ = aws.collection.search_all_faces(
        prepare_image(content), threshold=THRESHOLD, max_faces=2
    )

    assert obama.matches == ()
    left, top = 450 - 129, 66  # in Obama's crop, which starts at x = 129
    painted = crop_of(sent).crop((left + 4, top + 4, left + 53, top + 56))  # within, off JPEG edges
    assert all(abs(mean - 128) < 6 for mean in ImageStat.Stat(painted).mean)
    assert max(ImageStat.Stat(painted).stddev) < 6


def test_without_user_vectors_each_face_is_matched_by_face(settings, monkeypatch, faces):
    content = faces.multi(1).read_bytes()
    with stubbed_rekognition(settings, monkeypatch, IMAGESIFT_REKOGNITION_USE_USERS=False) as aws:
        aws.image = {"Bytes": content}
        aws.detects(BIDEN)
        aws.image = ANY
        aws.finds(("biden", 97.3), threshold=THRESHOLD)  # SearchFacesByImage

        (search,) = aws.collection.search_all_faces(
            prepare_image(content), threshold=THRESHOLD, max_faces=2
        )

    assert (search.face.box.left, search.best.person_key, search.best.similarity) == (
        771,
        "biden",
        97.3,
    )


def test_a_throttled_search_of_one_face_fails_the_whole_search(aws, faces):
    content = faces.multi(1).read_bytes()
    aws.image = {"Bytes": content}
    aws.detects(BIDEN, OBAMA)
    aws.image = ANY
    aws.finds(("obama", 99.2), threshold=THRESHOLD)
    aws.fails("search_users_by_image", "ProvisionedThroughputExceededException")

    with pytest.raises(EngineUnavailable):
        aws.collection.search_all_faces(prepare_image(content), threshold=THRESHOLD, max_faces=2)


def test_a_throttled_detection_makes_the_engine_unavailable(aws, faces):
    aws.fails("detect_faces", "ThrottlingException", "Rate exceeded")

    with pytest.raises(EngineUnavailable, match="throttling"):
        aws.collection.search_all_faces(
            prepare_image(faces.multi(1).read_bytes()), threshold=THRESHOLD, max_faces=3
        )


def test_the_face_model_is_named_as_rekognition_last_gave_it(aws, portrait):
    assert aws.collection.model_name == (
        f"Amazon Rekognition SearchUsersByImage, collection '{COLLECTION}'"
    )
    aws.finds_nobody(threshold=THRESHOLD)

    aws.collection.search_face(prepare_image(portrait), threshold=THRESHOLD)

    assert aws.collection.model_name == (
        f"Amazon Rekognition SearchUsersByImage (face model {FACE_MODEL}), "
        f"collection '{COLLECTION}'"
    )
