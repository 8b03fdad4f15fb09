"""Writes of calibration: measuring the gallery in the background (how near each other the
enrolled people are), through the one task pattern. `recognition.calibration` says what the
figures estimate; `selectors.calibration_read` reads them."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.collection import face_collection
from accounts.selectors import one_face_per_person, people_enrolled
from core.jobs import WorkQueue, schedule
from recognition.models import GalleryMeasurement

MEASURE_GALLERY_TASK = "recognition.tasks.measure_gallery"
GALLERY_MEASURING = WorkQueue(
    GalleryMeasurement,
    "state",
    pending=GalleryMeasurement.State.PENDING,
    running=GalleryMeasurement.State.RUNNING,
)
MEASUREMENT_WAITING = [GalleryMeasurement.State.PENDING, GalleryMeasurement.State.RUNNING]
CLOSEST_PAIRS = 10  # the nearest pairs of people a measurement lists (duplicates show there)


def gallery_measurement_request(
    *, requested_by: AbstractBaseUser | None = None
) -> GalleryMeasurement:
    """Ask for the gallery to be measured in the background; a measurement already waiting
    is the answer instead of a second one."""
    with transaction.atomic():
        waiting = GalleryMeasurement.objects.filter(state__in=MEASUREMENT_WAITING).first()
        if waiting is not None:
            return waiting
        measurement = GalleryMeasurement.objects.create(
            requested_by_name=(
                requested_by.get_username()
                if requested_by is not None and requested_by.is_authenticated
                else ""
            )
        )
        schedule(MEASURE_GALLERY_TASK, measurement.pk)
    return measurement


def gallery_measure(*, measurement_id: int) -> bool:
    """The body of the measuring task: claim, measure with no transaction open, write back."""
    return GALLERY_MEASURING.process(measurement_id, _measure_claimed)


def _measure_claimed(measurement_id: int, claimed_at: datetime) -> bool:
    """For a sample of enrolled people, the similarity of their first photo to the nearest
    other person (`recognition.calibration` says what that estimates)."""
    collection = face_collection()
    probes = one_face_per_person(
        collection.model_key, limit=settings.IMAGESIFT_CALIBRATION_SAMPLE_PEOPLE
    )
    nearest: list[float] = []
    pairs: dict[tuple[int, int], float] = {}
    for person_id, face_id in probes:
        like = collection.people_like_face(face_id, count=2)  # their own person, and the next
        other = next((m for m in like if m.person_key != str(person_id)), None)
        if other is None or not other.person_key.isdigit():
            continue  # alone in the gallery, or a face of no person of ours
        nearest.append(other.similarity)
        pair = (min(person_id, int(other.person_key)), max(person_id, int(other.person_key)))
        pairs[pair] = max(pairs.get(pair, 0.0), other.similarity)
    closest = sorted(pairs.items(), key=lambda item: item[1], reverse=True)[:CLOSEST_PAIRS]
    return GALLERY_MEASURING.finish(
        measurement_id,
        claimed_at,
        state=GalleryMeasurement.State.DONE,
        finished_at=timezone.now(),
        engine=collection.name,
        face_model=collection.model_name[:200],
        people_enrolled=people_enrolled().count(),
        nearest_similarities=sorted(nearest),
        closest_pairs=[[first, second, similarity] for (first, second), similarity in closest],
    )
