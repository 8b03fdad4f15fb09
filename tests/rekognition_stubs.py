"""Amazon Rekognition answered by botocore's Stubber, for the `rekognition` engine's tests.

Stubber checks every request against the parameters a scenario expects and validates both the
request and the queued response against AWS's service model; `Rekognition` queues what the real
service answers (shapes, ids, ratios and reasons as AWS documents them) one scenario step at a
time. No request leaves the process, and no credentials are real.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.stub import ANY, Stubber

from accounts.collection import face_collection
from tests.aws import REGION, fake_aws_credentials
from vision.analysis import forget_analysers, image_analyser
from vision.analysis.base import ImageAnalyser
from vision.aws.client import rekognition
from vision.faces import forget_face_collections
from vision.faces.base import FaceCollection

COLLECTION = "imagesift-test"
FACE_MODEL = "7.0"
THRESHOLD = 90.0
DENY_LIST_THRESHOLD = 80.0
# A verification asks Rekognition for everyone at the lower of its two thresholds.
ASKED = min(THRESHOLD, DENY_LIST_THRESHOLD)
# A face as Rekognition boxes it in a 250x250 LFW crop: (left, top, width, height) as ratios.
FACE = (0.33, 0.29, 0.35, 0.45)
NO_FACE_MESSAGE = "There are no faces in the image. Should be at least 1."


def face_detail(
    box: tuple[float, float, float, float] = FACE,
    *,
    brightness: float = 78.5,
    sharpness: float = 53.3,
    confidence: float = 99.99,
) -> dict[str, Any]:
    """A FaceDetail with the DEFAULT attributes: box, landmarks, pose, quality, confidence."""
    left, top, width, height = box

    def point(kind: str, x: float, y: float) -> dict[str, Any]:
        return {"Type": kind, "X": left + x * width, "Y": top + y * height}

    return {
        "BoundingBox": {"Width": width, "Height": height, "Left": left, "Top": top},
        "Landmarks": [
            point("eyeLeft", 0.3, 0.38),
            point("eyeRight", 0.7, 0.38),
            point("mouthLeft", 0.35, 0.78),
            point("mouthRight", 0.65, 0.78),
            point("nose", 0.5, 0.58),
        ],
        "Pose": {"Roll": -2.4, "Yaw": 6.1, "Pitch": 3.7},
        "Quality": {"Brightness": brightness, "Sharpness": sharpness},
        "Confidence": confidence,
    }


class Captured:
    """An expected parameter that takes any value (or a string matching `pattern`) and keeps
    it, so that a test can look at what the engine sent."""

    def __init__(self, pattern: str | None = None):
        self.pattern = pattern
        self.value: Any = None

    def __eq__(self, other: object) -> bool:
        self.value = other
        if self.pattern is None:
            return True
        return isinstance(other, str) and re.fullmatch(self.pattern, other) is not None

    def __repr__(self) -> str:
        return f"<Captured {self.pattern or 'anything'}>"


class Rekognition:
    """The answers of one scenario, queued in the order the engine will ask."""

    def __init__(
        self,
        stubber: Stubber,
        collection: FaceCollection,
        analyser: ImageAnalyser,
        *,
        users: bool = True,
        image=ANY,
    ):
        self.stubber = stubber
        self.collection = collection
        self.analyser = analyser
        self.users = users
        self.image = image  # what every request's `Image` must equal

    def _collection(self, **params: Any) -> dict[str, Any]:
        return {"CollectionId": COLLECTION, **params}

    # --- enrolment ---------------------------------------------------------------------------
    def indexes(self, person_key: str, *, box=FACE, **quality: float) -> str:
        """IndexFaces stores the photo's one face; returns its face id."""
        face_id = str(uuid.uuid4())
        self.stubber.add_response(
            "index_faces",
            {
                "FaceRecords": [self._record(face_id, person_key, face_detail(box, **quality))],
                "FaceModelVersion": FACE_MODEL,
                "UnindexedFaces": [],
            },
            self._index_request(person_key),
        )
        return face_id

    def joins_user(self, person_key: str, face_id: str, *, user_exists: bool = False) -> None:
        """CreateUser (a ConflictException when the user exists) and AssociateFaces."""
        created = self._collection(UserId=person_key)
        if user_exists:
            self.stubber.add_client_error(
                "create_user",
                "ConflictException",
                f"A user with the id {person_key} already exists.",
                expected_params=created,
            )
        else:
            self.stubber.add_response("create_user", {}, created)
        self.stubber.add_response(
            "associate_faces",
            {
                "AssociatedFaces": [{"FaceId": face_id}],
                "UnsuccessfulFaceAssociations": [],
                "UserStatus": "UPDATING",
            },
            self._collection(UserId=person_key, FaceIds=[face_id]),
        )

    def enrols(self, person_key: str, *, box=FACE, user_exists: bool = False) -> str:
        """A face indexed and, with user vectors, added to the person's user."""
        face_id = self.indexes(person_key, box=box)
        if self.users:
            self.joins_user(person_key, face_id, user_exists=user_exists)
        return face_id

    def leaves_out(
        self, person_key: str, *reasons: list[str], indexed_box=None, boxes=None
    ) -> str | None:
        """IndexFaces leaves faces out for `reasons` (one list per face), having indexed one
        face at `indexed_box` if given; returns that face's id."""
        boxes = boxes or [(0.05 + 0.3 * n, 0.1, 0.2, 0.3) for n in range(len(reasons))]
        face_id = str(uuid.uuid4()) if indexed_box else None
        records = [self._record(face_id, person_key, face_detail(indexed_box))] if face_id else []
        self.stubber.add_response(
            "index_faces",
            {
                "FaceRecords": records,
                "FaceModelVersion": FACE_MODEL,
                "UnindexedFaces": [
                    {"Reasons": face_reasons, "FaceDetail": face_detail(box)}
                    for face_reasons, box in zip(reasons, boxes, strict=True)
                ],
            },
            self._index_request(person_key),
        )
        return face_id

    def deletes(self, *face_ids: str, held_by: str | None = None) -> None:
        """DeleteFaces; faces held by a user are refused, freed, then deleted."""
        request = self._collection(FaceIds=list(face_ids))
        if held_by is None:
            self.stubber.add_response(
                "delete_faces",
                {"DeletedFaces": list(face_ids), "UnsuccessfulFaceDeletions": []},
                request,
            )
            return
        refusals = [
            {"FaceId": face_id, "UserId": held_by, "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"]}
            for face_id in face_ids
        ]
        self.stubber.add_response(  # DeletedFaces is left out when empty (min length 1)
            "delete_faces", {"UnsuccessfulFaceDeletions": refusals}, request
        )
        self.stubber.add_response(
            "disassociate_faces",
            {
                "DisassociatedFaces": [{"FaceId": face_id} for face_id in face_ids],
                "UnsuccessfulFaceDisassociations": [],
                "UserStatus": "UPDATING",
            },
            self._collection(UserId=held_by, FaceIds=list(face_ids)),
        )
        self.stubber.add_response(
            "delete_faces",
            {"DeletedFaces": list(face_ids), "UnsuccessfulFaceDeletions": []},
            request,
        )

    def forgets(self, person_key: str, *, exists: bool = True) -> None:
        """DeleteUser; ResourceNotFoundException for a person who never had a user."""
        request = self._collection(UserId=person_key)
        if exists:
            self.stubber.add_response("delete_user", {}, request)
        else:
            self.stubber.add_client_error(
                "delete_user",
                "ResourceNotFoundException",
                f"The user {person_key} does not exist.",
                expected_params=request,
            )

    # --- search ------------------------------------------------------------------------------
    def finds(
        self,
        *people: tuple[str, float],
        box=FACE,
        others: int = 0,
        threshold: float = ASKED,
        face_ids: dict[str, list[str]] | None = None,
    ) -> None:
        """The largest face matches `people` ((person key, similarity), best first); `others`
        more faces are in the image. Without users, each person matches through `face_ids`."""
        if self.users:
            self.stubber.add_response(
                "search_users_by_image",
                {
                    "UserMatches": [
                        {"Similarity": similarity, "User": {"UserId": key, "UserStatus": "ACTIVE"}}
                        for key, similarity in people
                    ],
                    "FaceModelVersion": FACE_MODEL,
                    "SearchedFace": {"FaceDetail": face_detail(box)},
                    "UnsearchedFaces": [
                        {
                            "FaceDetails": face_detail((0.7, 0.1, 0.1, 0.14)),
                            "Reasons": ["FACE_NOT_LARGEST"],
                        }
                    ]
                    * others,
                },
                self._search_request(threshold),
            )
            return
        face_ids = face_ids or {key: [str(uuid.uuid4())] for key, _ in people}
        matches = sorted(
            (
                (similarity - 0.7 * rank, key, face_id)
                for key, similarity in people
                for rank, face_id in enumerate(face_ids[key])
            ),
            reverse=True,
        )
        left, top, width, height = box
        self.stubber.add_response(
            "search_faces_by_image",
            {
                "SearchedFaceBoundingBox": {
                    "Width": width,
                    "Height": height,
                    "Left": left,
                    "Top": top,
                },
                "SearchedFaceConfidence": 99.98,
                "FaceMatches": [
                    _face_match(similarity, key, face_id) for similarity, key, face_id in matches
                ],
                "FaceModelVersion": FACE_MODEL,
            },
            self._search_request(threshold),
        )

    def compares(
        self, face_id: str, *faces: tuple[str, str, float], threshold: float = ASKED
    ) -> None:
        """SearchFaces by an indexed face: `faces` ((person key, face id, similarity), best
        first) are like it; Rekognition never lists the face itself."""
        self.stubber.add_response(
            "search_faces",
            {
                "SearchedFaceId": face_id,
                "FaceMatches": [
                    _face_match(similarity, key, other_face_id)
                    for key, other_face_id, similarity in faces
                ],
                "FaceModelVersion": FACE_MODEL,
            },
            self._collection(FaceId=face_id, FaceMatchThreshold=threshold, MaxFaces=100),
        )

    def finds_nobody(self, *, box=FACE, threshold: float = ASKED) -> None:
        self.finds(box=box, threshold=threshold)

    def sees_no_face(self, *, threshold: float = ASKED) -> None:
        """What both search operations answer for an image without a face."""
        operation = "search_users_by_image" if self.users else "search_faces_by_image"
        self.fails(
            operation,
            "InvalidParameterException",
            NO_FACE_MESSAGE,
            expected_params=self._search_request(threshold),
        )

    def detects(self, *boxes) -> None:
        self.stubber.add_response(
            "detect_faces",
            {"FaceDetails": [face_detail(box) for box in boxes]},
            {"Image": self.image, "Attributes": ["DEFAULT"]},
        )

    # --- failures ----------------------------------------------------------------------------
    def fails(
        self,
        operation: str,
        code: str,
        message: str = "",
        *,
        status: int = 400,
        expected_params: dict | None = None,
    ) -> None:
        self.stubber.add_client_error(
            operation, code, message, http_status_code=status, expected_params=expected_params
        )

    # --- requests and records ----------------------------------------------------------------
    def _index_request(self, person_key: str) -> dict[str, Any]:
        return self._collection(
            Image=self.image,
            ExternalImageId=person_key,
            MaxFaces=1,
            QualityFilter="AUTO",
            DetectionAttributes=["DEFAULT"],
        )

    def _search_request(self, threshold: float) -> dict[str, Any]:
        if self.users:
            return self._collection(
                Image=self.image, UserMatchThreshold=threshold, MaxUsers=10, QualityFilter="AUTO"
            )
        return self._collection(
            Image=self.image, FaceMatchThreshold=threshold, MaxFaces=10, QualityFilter="AUTO"
        )

    @staticmethod
    def _record(face_id: str, person_key: str, detail: dict[str, Any]) -> dict[str, Any]:
        return {
            "Face": {
                "FaceId": face_id,
                "BoundingBox": detail["BoundingBox"],
                "ImageId": str(uuid.uuid4()),
                "ExternalImageId": person_key,
                "Confidence": detail["Confidence"],
            },
            "FaceDetail": detail,
        }


def _face_match(similarity: float, person_key: str, face_id: str) -> dict[str, Any]:
    """One of the FaceMatches of SearchFaces and SearchFacesByImage."""
    return {
        "Similarity": similarity,
        "Face": {
            "FaceId": face_id,
            "BoundingBox": {"Width": 0.35, "Height": 0.45, "Left": 0.3, "Top": 0.3},
            "ImageId": str(uuid.uuid4()),
            "ExternalImageId": person_key,
            "Confidence": 99.99,
            "IndexFacesModelVersion": FACE_MODEL,
        },
    }


def forget_engines() -> None:
    """Forget every engine made so far: the next ones read settings afresh."""
    forget_face_collections()
    forget_analysers()
    rekognition.cache_clear()


@contextmanager
def rekognition_selected(settings, monkeypatch, **overrides: Any) -> Iterator[FaceCollection]:
    """The `rekognition` engine selected in settings, built afresh, with fake credentials.
    Yields its face collection; its image analyser shares the collection's client."""
    fake_aws_credentials(monkeypatch)
    settings.IMAGESIFT_ENGINE = "rekognition"
    settings.AWS_REGION = REGION
    settings.IMAGESIFT_REKOGNITION_COLLECTION = COLLECTION
    settings.IMAGESIFT_REKOGNITION_MATCH_THRESHOLD = THRESHOLD
    settings.IMAGESIFT_REKOGNITION_DENY_LIST_THRESHOLD = DENY_LIST_THRESHOLD
    for name, value in overrides.items():
        setattr(settings, name, value)
    forget_engines()
    try:
        yield face_collection()
    finally:
        forget_engines()


@contextmanager
def stubbed_rekognition(settings, monkeypatch, **overrides: Any) -> Iterator[Rekognition]:
    """The `rekognition` engine selected in settings, its client answered by a Stubber.

    Fails the test if the scenario left queued answers unasked.
    """
    with (
        rekognition_selected(settings, monkeypatch, **overrides) as collection,
        Stubber(collection.client) as stubber,
    ):
        yield Rekognition(
            stubber, collection, image_analyser(), users=settings.IMAGESIFT_REKOGNITION_USE_USERS
        )
        stubber.assert_no_pending_responses()
