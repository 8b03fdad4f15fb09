"""Entry points of this app's background work: the indexing task, its sweep, and the S3 event of
a stored photo. They call the services (which name the task by its path: `core.jobs`).

`index_photo` is a Zappa async task: on Lambda (AWS_LAMBDA_FUNCTION_NAME is set) calling it
invokes the function again, asynchronously, with the task's path and arguments; anywhere else
it runs in-process. The S3 event of the photo's object may ask for the same work: the claim
lets one of them do it.
"""

from __future__ import annotations

import logging

from zappa.asynchronous import task

from accounts import selectors, services

logger = logging.getLogger(__name__)


@task
def index_photo(photo_id: int) -> None:
    """Index one enrolment photo's face (a Lambda async invocation when on Lambda)."""
    services.photo_index(photo_id=photo_id)


def requeue_stale_photos(event: dict | None = None, context: object = None) -> int:
    """Queue again the photos waiting too long, and those whose indexing started long ago and
    never finished (a lost invocation): every 15 minutes on Lambda (a scheduled event)."""
    return services.PHOTO_INDEXING.requeue_stale(index_photo)


def repair_collection(event: dict | None = None, context: object = None) -> bool:
    """Delete faces no photo holds and index again photos whose face is gone: daily on Lambda
    (a scheduled event), `manage.py check_collection --repair` elsewhere. Returns whether the
    collection was consistent."""
    return services.collection_check(repair=True).consistent


def purge_rejected_photos(event: dict | None = None, context: object = None) -> int:
    """Delete photos rejected longer ago than their retention (daily: a scheduled event)."""
    purged = services.rejected_photos_purge()
    logger.info("Purged %s rejected photo(s).", purged)
    return purged


def photo_stored(name: str) -> None:
    """An enrolment photo's file is stored (S3 event): index its face, unless that is done or
    under way."""
    photo_id = selectors.photo_id_for_file(name)
    if photo_id is None:
        # Stored before its row commits (the row's own indexing task follows), or deleted since.
        logger.info("No photo row for %s yet: its indexing task will index it.", name)
    elif not services.photo_index(photo_id=photo_id):
        logger.info("Photo %s (%s) is not waiting for indexing: nothing to do.", photo_id, name)
