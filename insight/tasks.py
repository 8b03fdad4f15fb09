"""Entry points of image insight's background work: the analysis task, its sweep, and the S3
event of a stored upload. They call the services; the services name the task by path
(`core.jobs`).

`analyze_image` is a Zappa async task: on Lambda it is a new asynchronous invocation, elsewhere
it runs in-process. The bucket's S3 event for the same upload may ask for the same analysis: the
claim (`services.image_analyze`) lets one of them do it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from zappa.asynchronous import task

from insight import services
from vision.errors import EngineUnavailable

logger = logging.getLogger(__name__)


def analyze_waiting_image(analysis_id: int) -> bool:
    """Analyse an image if it still waits for it; returns whether this call analysed it."""
    try:
        return services.image_analyze(analysis_id=analysis_id)
    except EngineUnavailable as error:
        # It waits, to be analysed again by the sweep (or `manage.py analyze --pending`).
        logger.warning("Analysis %s stays pending: %s", analysis_id, error)
        return False


@task
def analyze_image(analysis_id: int) -> None:
    """Analyse one image (a Lambda async invocation when on Lambda)."""
    analyze_waiting_image(analysis_id)


def requeue_stale_analyses(event: dict | None = None, context: object = None) -> int:
    """Queue again the analyses waiting for longer than IMAGESIFT_STALE_TASK_MINUTES (the engine
    was unavailable, or an invocation was lost), and those that started that long ago and never
    finished (a Lambda timeout). Every 15 minutes on Lambda (a scheduled event); returns how
    many were queued."""
    queued = services.ANALYSES.requeue_stale(
        task=analyze_image,
        older_than=timedelta(minutes=settings.IMAGESIFT_STALE_TASK_MINUTES),
        limit=settings.IMAGESIFT_STALE_TASK_BATCH,
    )
    if queued:
        logger.info("Queued %s waiting analysis(es) again.", queued)
    return queued


def upload_stored(name: str) -> None:
    """An image for analysis is stored (S3 event): analyse it, unless that is done or under
    way. An image dropped straight into the bucket gets its analysis row here."""
    analysis = services.image_register_stored(name=name)
    if not analyze_waiting_image(analysis.pk):
        logger.info("Image %s (%s) is not waiting for analysis: nothing to do.", analysis.pk, name)
