"""Enrolment advice: what indexing a face noticed that the admin should hear. The face is
indexed all the same; the advice names the likely mistake."""

from __future__ import annotations

import logging

from accounts.models import FacePhoto
from accounts.selectors import people_by_keys
from vision.errors import EngineUnavailable
from vision.faces.base import FaceCollection

logger = logging.getLogger(__name__)

ADVICE_PEOPLE = 5  # people a new face is compared with


def enrolment_advice(photo: FacePhoto, face_id: str, collection: FaceCollection) -> dict:
    """What the admin should hear of a face just indexed: like someone else enrolled (a
    duplicate, a returning visitor, or the wrong person's photo), or unlike the person's other
    photos. Advice only: the face stays indexed, and an unavailable engine skips it."""
    try:
        near = collection.people_like_face(
            face_id,
            count=ADVICE_PEOPLE,
            threshold=min(collection.match_threshold, collection.deny_list_threshold),
        )
    except EngineUnavailable as error:
        logger.warning("No enrolment advice for photo %s: %s", photo.pk, error)
        return {}
    own_key = str(photo.person_id)
    matched = [m for m in near if m.similarity >= collection.match_threshold]
    others = people_by_keys(m.person_key for m in matched if m.person_key != own_key)
    other = next((m for m in matched if m.person_key in others), None)
    if other is not None:
        return {
            "advice": FacePhoto.Advice.LIKE_SOMEONE_ELSE,
            "advice_person": others[other.person_key],
            "advice_similarity": other.similarity,
        }
    own = next((m for m in near if m.person_key == own_key), None)
    has_other_faces = (
        photo.person.photos.filter(state=FacePhoto.State.INDEXED, face_model=collection.model_key)
        .exclude(pk=photo.pk)
        .exists()
    )
    if has_other_faces and (own is None or own.similarity < collection.match_threshold):
        return {
            "advice": FacePhoto.Advice.UNLIKE_OWN_PHOTOS,
            "advice_similarity": own.similarity if own else None,
        }
    return {}
