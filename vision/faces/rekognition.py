"""The `rekognition` face collection: faces in an Amazon Rekognition collection, through boto3.

Each face is indexed with `ExternalImageId` = person key; with user vectors on (the default) each
person is also a Rekognition user holding all their faces, and a search matches users. What is
sent and answered is translated in `vision.aws.shapes`; AWS's errors leave through
`vision.aws.client` as `FaceRejected`, `ImageRejected` or `EngineUnavailable`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from botocore.client import BaseClient
from django.conf import settings

from vision.aws.client import Rekognition, rekognition
from vision.aws.shapes import (
    centred_in,
    detected_face,
    face_box,
    face_crop,
    image_param,
    rejection_for,
)
from vision.errors import EngineUnavailable
from vision.faces.base import (
    DetectedFace,
    FaceCollection,
    FaceMatch,
    FaceRejected,
    FaceRejection,
    FaceSearch,
    IndexedFace,
    QualityGate,
)
from vision.images import PreparedImage

logger = logging.getLogger(__name__)

DELETE_BATCH = 4096  # face ids per DeleteFaces call
LIST_PAGE = 4096  # faces per ListFaces call
LIKE_FACES = 100  # faces SearchFaces lists for `people_like_face` (a person may hold several)


@dataclass(frozen=True)
class Collection:
    """What `ensure_collection` found or made."""

    collection_id: str
    region: str
    created: bool
    arn: str
    face_model_version: str
    face_count: int | None = None
    user_count: int | None = None


class RekognitionFaceCollection(FaceCollection):
    name = "rekognition"

    def __init__(self) -> None:
        self.collection_id = settings.IMAGESIFT_REKOGNITION_COLLECTION
        self.quality_filter = settings.IMAGESIFT_REKOGNITION_QUALITY_FILTER
        self.max_results = settings.IMAGESIFT_REKOGNITION_MAX_RESULTS
        self.use_users = settings.IMAGESIFT_REKOGNITION_USE_USERS
        self.rekognition: Rekognition = rekognition(self.collection_id)
        self.model_key = f"rekognition/{self.collection_id}"  # a collection keeps one model
        self._face_model_version = ""  # as Rekognition last named it

    @property
    def client(self) -> BaseClient:
        return self.rekognition.client

    @property
    def match_threshold(self) -> float:
        return settings.IMAGESIFT_REKOGNITION_MATCH_THRESHOLD

    @property
    def deny_list_threshold(self) -> float:
        return settings.IMAGESIFT_REKOGNITION_DENY_LIST_THRESHOLD

    @property
    def model_name(self) -> str:
        search = "SearchUsersByImage" if self.use_users else "SearchFacesByImage"
        version = f" (face model {self._face_model_version})" if self._face_model_version else ""
        return f"Amazon Rekognition {search}{version}, collection {self.collection_id!r}"

    # --- faces ---------------------------------------------------------------------------------
    def detect_faces(self, image: PreparedImage) -> list[DetectedFace]:
        response = self._call(
            "detect_faces",
            tolerate={"InvalidParameterException"},
            Image=image_param(image),
            Attributes=["DEFAULT"],
        )
        faces = [detected_face(detail, image) for detail in (response or {}).get("FaceDetails", [])]
        return sorted(faces, key=lambda face: face.box.area, reverse=True)

    def index_face(
        self, image: PreparedImage, *, person_key: str, gate: QualityGate
    ) -> IndexedFace:
        response = self._call(
            "index_faces",
            tolerate={"InvalidParameterException"},  # what Rekognition says of a faceless image
            CollectionId=self.collection_id,
            Image=image_param(image),
            ExternalImageId=person_key,
            MaxFaces=1,
            QualityFilter=self.quality_filter,
            DetectionAttributes=["DEFAULT"],
        )
        if response is None:
            raise FaceRejected(FaceRejection.NO_FACE, "no face found in the photo")
        unindexed = response.get("UnindexedFaces", [])
        if not response.get("FaceRecords"):
            raise rejection_for(unindexed)
        record = response["FaceRecords"][0]
        indexed = IndexedFace(
            face_id=record["Face"]["FaceId"], face=detected_face(record["FaceDetail"], image)
        )
        try:
            others = sum("EXCEEDS_MAX_FACES" in face["Reasons"] for face in unindexed)
            if others:
                raise FaceRejected(
                    FaceRejection.SEVERAL_FACES,
                    f"{others + 1} faces found; an enrolment photo needs one",
                )
            # Sharpness is left to Rekognition's quality filter: its 0-100 scale is not ours.
            replace(gate, min_sharpness=0.0).check(indexed.face)
            if self.use_users:
                self._add_to_user(person_key, indexed.face_id)
        except Exception:
            self._discard(indexed.face_id)
            raise
        return indexed

    def search_face(
        self,
        image: PreparedImage,
        *,
        threshold: float,
        max_results: int = 3,
        near_threshold: float | None = None,
    ) -> FaceSearch:
        """One call, at the lower of the two thresholds: Rekognition lists every person above
        it, best first, and the matches are those at `threshold`."""
        asked = threshold if near_threshold is None else min(threshold, near_threshold)
        search = self._search_users if self.use_users else self._search_faces
        found = search(image, threshold=asked, max_results=max_results)
        matches = [match for match in found.matches if match.similarity >= threshold]
        near = [] if near_threshold is None else found.matches  # all at `asked` or above
        return replace(found, matches=tuple(matches[:max_results]), near=tuple(near))

    def search_all_faces(
        self, image: PreparedImage, *, threshold: float, max_faces: int
    ) -> list[FaceSearch]:
        """Rekognition searches only the largest face of an image: each face DetectFaces finds
        is cut out (other faces painted over) and searched alone, one call a face. A crop in
        which the search finds no face, or a face off the one cut out, matches nobody."""
        faces = self.detect_faces(image)
        searches = []
        for face in faces[: max(max_faces, 0)]:
            crop, where = face_crop(image, face, others=faces)
            found = self.search_face(crop, threshold=threshold, max_results=1)
            matched = found.face is not None and centred_in(found.face.box, where)
            searches.append(
                FaceSearch(
                    face=face, faces_seen=len(faces), matches=found.matches if matched else ()
                )
            )
        return searches

    def people_like_face(
        self, face_id: str, *, count: int, threshold: float = 0.0
    ) -> tuple[FaceMatch, ...]:
        """SearchFaces by face id (Rekognition never lists the face itself), face by face: a
        person's best face stands for them."""
        response = self._call(
            "search_faces",
            tolerate={"InvalidParameterException", "ResourceNotFoundException"},
            CollectionId=self.collection_id,
            FaceId=face_id,
            FaceMatchThreshold=threshold,
            MaxFaces=LIKE_FACES,
        )
        return _best_per_person((response or {}).get("FaceMatches", []), threshold)[:count]

    def delete_faces(self, face_ids: Sequence[str]) -> None:
        face_ids = list(face_ids)
        for start in range(0, len(face_ids), DELETE_BATCH):
            self._delete_batch(face_ids[start : start + DELETE_BATCH])

    def faces(self) -> Iterator[tuple[str, str]]:
        token = ""
        while True:
            page = self._call(
                "list_faces",
                CollectionId=self.collection_id,
                MaxResults=LIST_PAGE,
                **({"NextToken": token} if token else {}),
            )
            for face in page.get("Faces", []):
                yield face["FaceId"], face.get("ExternalImageId", "")
            token = page.get("NextToken", "")
            if not token:
                return

    def forget_person(self, person_key: str) -> None:
        """Delete the person's user vector (whatever `IMAGESIFT_REKOGNITION_USE_USERS` says now:
        it may have been on before); Rekognition first frees the faces it held."""
        self._call(
            "delete_user",
            tolerate={"ResourceNotFoundException"},  # no such user: nothing to forget
            CollectionId=self.collection_id,
            UserId=person_key,
        )

    # --- the collection ------------------------------------------------------------------------
    def ensure_collection(self) -> Collection:
        """Create the collection unless it exists (for `manage.py setup_aws`)."""
        region = self.client.meta.region_name
        described = self._call(
            "describe_collection",
            tolerate={"ResourceNotFoundException"},
            CollectionId=self.collection_id,
        )
        if described is None:
            created = self._call(
                "create_collection",
                tolerate={"ResourceAlreadyExistsException"},  # made meanwhile by someone else
                CollectionId=self.collection_id,
            )
            if created is not None:
                return Collection(
                    self.collection_id,
                    region,
                    created=True,
                    arn=created.get("CollectionArn", ""),
                    face_model_version=created.get("FaceModelVersion", ""),
                )
            return self.ensure_collection()
        return Collection(
            self.collection_id,
            region,
            created=False,
            arn=described.get("CollectionARN", ""),
            face_model_version=described.get("FaceModelVersion", ""),
            face_count=described.get("FaceCount"),
            user_count=described.get("UserCount"),
        )

    # --- the calls behind the interface --------------------------------------------------------
    def _search_users(
        self, image: PreparedImage, *, threshold: float, max_results: int
    ) -> FaceSearch:
        response = self._call(
            "search_users_by_image",
            tolerate={"InvalidParameterException"},
            CollectionId=self.collection_id,
            Image=image_param(image),
            UserMatchThreshold=threshold,
            MaxUsers=max(self.max_results, max_results),
            QualityFilter=self.quality_filter,
        )
        unsearched = (response or {}).get("UnsearchedFaces", [])
        if not response or "SearchedFace" not in response:
            # Faces too poor to search are seen, but none is usable.
            return FaceSearch(
                face=None, faces_seen=len(unsearched), rejection=rejection_for(unsearched).reason
            )
        matches = [
            FaceMatch(person_key=match["User"]["UserId"], face_id="", similarity=similarity)
            for match in response.get("UserMatches", [])
            if (similarity := round(match["Similarity"], 2)) >= threshold
        ]
        return FaceSearch(
            face=detected_face(response["SearchedFace"]["FaceDetail"], image),
            faces_seen=1 + len(unsearched),
            matches=tuple(matches),
        )

    def _search_faces(
        self, image: PreparedImage, *, threshold: float, max_results: int
    ) -> FaceSearch:
        """Face by face: a person's best face stands for them. SearchFacesByImage tells of the
        largest face only: its box and confidence, no quality, and no count of the others."""
        response = self._call(
            "search_faces_by_image",
            tolerate={"InvalidParameterException"},  # "There are no faces in the image."
            CollectionId=self.collection_id,
            Image=image_param(image),
            FaceMatchThreshold=threshold,
            MaxFaces=max(self.max_results, max_results),
            QualityFilter=self.quality_filter,
        )
        if response is None or "SearchedFaceBoundingBox" not in response:
            return FaceSearch(face=None, faces_seen=0, rejection=FaceRejection.NO_FACE)
        matches = _best_per_person(response.get("FaceMatches", []), threshold)
        face = DetectedFace(
            box=face_box(response["SearchedFaceBoundingBox"], image),
            confidence=response.get("SearchedFaceConfidence", 0.0),
            sharpness=0.0,  # not reported
            brightness=0.0,
        )
        return FaceSearch(face=face, faces_seen=1, matches=tuple(matches))

    def _add_to_user(self, person_key: str, face_id: str) -> None:
        """Add a face to the person's user vector, creating the user on their first face."""
        self._call(
            "create_user",
            tolerate={"ConflictException"},  # the user exists already
            CollectionId=self.collection_id,
            UserId=person_key,
        )
        response = self._call(
            "associate_faces", CollectionId=self.collection_id, UserId=person_key, FaceIds=[face_id]
        )
        for failure in response.get("UnsuccessfulFaceAssociations", []):
            # Kept indexed, but left out of the user vector: most likely LOW_MATCH_CONFIDENCE,
            # a photo that does not look like the person's others.
            logger.warning(
                "Face %s of person %s is not in their Rekognition user: %s",
                face_id,
                person_key,
                ", ".join(failure.get("Reasons", [])),
            )

    def _discard(self, face_id: str) -> None:
        """Delete a face just indexed for a photo that is rejected (or failed) after all."""
        try:
            self.delete_faces([face_id])
        except EngineUnavailable:
            logger.warning(
                "Face %s stays in Rekognition collection %s", face_id, self.collection_id
            )

    def _delete_batch(self, face_ids: list[str]) -> None:
        """Delete faces; a face held by a user is freed (DisassociateFaces) and deleted again."""
        if not face_ids:
            return
        response = self._call("delete_faces", CollectionId=self.collection_id, FaceIds=face_ids)
        held: dict[str, list[str]] = defaultdict(list)
        for failure in response.get("UnsuccessfulFaceDeletions", []):
            if "ASSOCIATED_TO_AN_EXISTING_USER" in failure.get("Reasons", []):
                held[failure["UserId"]].append(failure["FaceId"])
        for user_id, held_ids in held.items():
            self._call(
                "disassociate_faces",
                CollectionId=self.collection_id,
                UserId=user_id,
                FaceIds=held_ids,
            )
        if held:
            freed = [face_id for held_ids in held.values() for face_id in held_ids]
            self._call("delete_faces", CollectionId=self.collection_id, FaceIds=freed)

    def _call(self, operation: str, **params):
        response = self.rekognition.call(operation, **params)
        if response and response.get("FaceModelVersion"):
            self._face_model_version = response["FaceModelVersion"]
        return response


def _best_per_person(face_matches: list[dict], threshold: float) -> tuple[FaceMatch, ...]:
    """Rekognition's FaceMatches (best first) as people: each by their best face."""
    best: dict[str, FaceMatch] = {}
    for match in face_matches:
        face, similarity = match["Face"], round(match["Similarity"], 2)
        key = face.get("ExternalImageId", "")
        if key and similarity >= threshold and key not in best:
            best[key] = FaceMatch(person_key=key, face_id=face["FaceId"], similarity=similarity)
    return tuple(sorted(best.values(), key=lambda match: match.similarity, reverse=True))
