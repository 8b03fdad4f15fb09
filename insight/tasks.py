"""Entry points of image insight's background work: the analysis task, its sweep, and the S3
event of a stored upload. They call the services (which name the task by its path:
`core.jobs`).

`analyze_image` is a Zappa async task: on Lambda it is a new asynchronous invocation, elsewhere
it runs in-process. The bucket's S3 event for the same upload may ask for the same analysis:
the claim lets one of them do it.
"""

from __future__ import annotations

import logging

from zappa.asynchronous import task

from insight import services

logger = logging.getLogger(__name__)


@task
def analyze_image(analysis_id: int) -> None:
    """Analyse one image (a Lambda async invocation when on Lambda)."""
    services.image_analyze(analysis_id=analysis_id)


def requeue_stale_analyses(event: dict | None = None, context: object = None) -> int:
    """Queue again the analyses waiting too long (the engine was unavailable, an invocation was
    lost), and those that started long ago and never finished (a Lambda timeout): every 15
    minutes on Lambda (a scheduled event)."""
    return services.ANALYSES.requeue_stale(analyze_image)


def upload_stored(name: str) -> None:
    """An image for analysis is stored (S3 event): analyse it, unless that is done or under
    way. An image dropped straight into the bucket gets its analysis row here."""
    analysis = services.image_register_stored(name=name)
    if not services.image_analyze(analysis_id=analysis.pk):
        logger.info("Image %s (%s) is not waiting for analysis: nothing to do.", analysis.pk, name)
