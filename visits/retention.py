"""Retention for visitors: their faces leave the collection IMAGESIFT_VISITOR_FACE_RETENTION_DAYS
after their last visit ends, and they are erased (name, email, company, photos) after
IMAGESIFT_VISITOR_RETENTION_DAYS. Their visits stay, without them, for the counts. A visitor
on the deny list is kept: forgetting their face would let them in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import FacePhoto, Visitor
from accounts.services import person_erase, photos_remove_faces
from visits.selectors import visitors_last_visit_ended_before

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionResult:
    faces_removed: int  # faces taken out of the collection
    visitors_with_faces_removed: int
    visitors_erased: int


def visitors_retention_apply(*, now: datetime | None = None) -> RetentionResult:
    """Apply both retention periods (0 keeps for ever); logs and returns what it did."""
    now = now or timezone.now()
    faces_removed, with_faces_removed, erased = 0, 0, 0
    face_days = settings.IMAGESIFT_VISITOR_FACE_RETENTION_DAYS
    if face_days > 0:
        visitors = list(
            _past_visitors(now - timedelta(days=face_days))
            .filter(photos__face_id__gt="", photos__state=FacePhoto.State.INDEXED)
            .distinct()
        )
        faces_removed = photos_remove_faces(people=visitors)
        with_faces_removed = len(visitors)
    visitor_days = settings.IMAGESIFT_VISITOR_RETENTION_DAYS
    if visitor_days > 0:
        for visitor in _past_visitors(now - timedelta(days=visitor_days)):
            person_erase(person=visitor)
            erased += 1
    result = RetentionResult(faces_removed, with_faces_removed, erased)
    logger.info(
        "Visitor retention: %s face(s) of %s visitor(s) removed from the collection, "
        "%s visitor(s) erased",
        *(faces_removed, with_faces_removed, erased),
    )
    return result


def _past_visitors(cutoff: datetime):
    """Visitors whose last visit ended before `cutoff`, not on the deny list."""
    return Visitor.objects.filter(
        pk__in=visitors_last_visit_ended_before(cutoff), denied=False
    ).order_by("pk")
