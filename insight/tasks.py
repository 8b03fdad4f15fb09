"""Task functions of image insight: analysis runs after the transaction that asked for it commits.

`analyze_image` is a Zappa async task: on Lambda it is a new asynchronous invocation, elsewhere
it runs in-process. The bucket's S3 event for the same upload may ask for the same analysis (see
recognition/events.py), so an analysis is claimed under a row lock: the second asker does
nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from zappa.asynchronous import task

from insight.models import ImageAnalysis
from recognition.engines.base import EngineUnavailable

logger = logging.getLogger(__name__)


def analyze_pending_image(analysis_id: int) -> bool:
    """Analyse an image if it still waits for it; returns whether this call analysed it."""
    from insight import services  # services imports this module to schedule tasks

    with transaction.atomic():
        claimed = (
            ImageAnalysis.objects.select_for_update()
            .filter(pk=analysis_id, status=ImageAnalysis.Status.PENDING)
            .exists()
        )
        if not claimed:
            return False
        try:
            services.image_analyze(analysis_id=analysis_id)
        except EngineUnavailable as error:
            # Stays pending, to be analysed again (`manage.py analyze --pending`, or the admin).
            logger.warning("Analysis %s stays pending: %s", analysis_id, error)
            return False
    return True


@task
def analyze_image(analysis_id: int) -> None:
    """Analyse one image (a Lambda async invocation when on Lambda)."""
    analyze_pending_image(analysis_id)


def schedule_analysis(analysis_id: int) -> None:
    """Analyse the image once the current transaction commits."""
    transaction.on_commit(lambda: analyze_image(analysis_id))


def retry_pending_analyses(event: dict | None = None, context: object = None) -> int:
    """Queue again the analyses pending for longer than IMAGESIFT_ANALYSIS_RETRY_MINUTES: the
    engine was unavailable, or the invocation doing the work was lost (a Lambda timeout). Every
    15 minutes on Lambda (a scheduled event); returns how many were queued."""
    stale_before = timezone.now() - timedelta(minutes=settings.IMAGESIFT_ANALYSIS_RETRY_MINUTES)
    stale = ImageAnalysis.objects.filter(
        status=ImageAnalysis.Status.PENDING, created_at__lt=stale_before
    ).order_by("created_at")
    analysis_ids = list(
        stale.values_list("pk", flat=True)[: settings.IMAGESIFT_ANALYSIS_RETRY_BATCH]
    )
    for analysis_id in analysis_ids:
        analyze_image(analysis_id)
    if analysis_ids:
        logger.info("Queued %s pending analysis(es) again.", len(analysis_ids))
    return len(analysis_ids)
