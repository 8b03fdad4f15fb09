"""Entry points of this app's background work: the indexing task, its sweep, and the S3 event of
a stored photo. They call the services; the services name the task by path (`core.jobs`).

`index_photo` is a Zappa async task: on Lambda (AWS_LAMBDA_FUNCTION_NAME is set) calling it
invokes the function again, asynchronously, with the task's path and arguments; anywhere else
it runs in-process. The S3 event of the photo's object may ask for the same work: the claim
(`services.photo_index`) lets one of them do it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from zappa.asynchronous import task

from accounts import selectors, services
from vision.errors import EngineUnavailable

logger = logging.getLogger(__name__)


def index_waiting_photo(photo_id: int) -> bool:
    """Index a photo's face if it still waits for it; returns whether this call indexed it."""
    try:
        return services.photo_index(photo_id=photo_id)
    except EngineUnavailable as error:
        # The photo waits, to be indexed again by the sweep (or the admin's action) once the
        # engine is back; the upload that asked for it has succeeded all the same.
        logger.warning("Photo %s stays pending: %s", photo_id, error)
        return False


@task
def index_photo(photo_id: int) -> None:
    """Index one enrolment photo's face (a Lambda async invocation when on Lambda)."""
    index_waiting_photo(photo_id)


def requeue_stale_photos(event: dict | None = None, context: object = None) -> int:
    """Queue again the photos waiting for longer than IMAGESIFT_STALE_TASK_MINUTES, and those
    whose indexing started that long ago and never finished (a lost invocation). Every 15
    minutes on Lambda (a scheduled event); returns how many were queued."""
    queued = services.PHOTO_INDEXING.requeue_stale(
        task=index_photo,
        older_than=timedelta(minutes=settings.IMAGESIFT_STALE_TASK_MINUTES),
        limit=settings.IMAGESIFT_STALE_TASK_BATCH,
    )
    if queued:
        logger.info("Queued %s waiting photo(s) for indexing again.", queued)
    return queued


def photo_stored(name: str) -> None:
    """An enrolment photo's file is stored (S3 event): index its face, unless that is done or
    under way."""
    photo_id = selectors.photo_id_for_file(name)
    if photo_id is None:
        # Stored before its row commits (the row's own indexing task follows), or deleted since.
        logger.info("No photo row for %s yet: its indexing task will index it.", name)
        return
    if not index_waiting_photo(photo_id):
        logger.info("Photo %s (%s) is not waiting for indexing: nothing to do.", photo_id, name)
