"""Task functions: slow work started after the transaction that asked for it commits.

`index_photo` is a Zappa async task: on Lambda (AWS_LAMBDA_FUNCTION_NAME is set) calling it
invokes the function again, asynchronously, with the task's path and arguments; anywhere else
it runs in-process. The S3 event for the photo's object may ask for the same work (see
recognition/events.py), so indexing is claimed under a row lock: the second asker does nothing.
"""

import logging

from django.db import transaction
from zappa.asynchronous import task

from accounts.models import FacePhoto
from recognition import services
from recognition.engines.base import EngineUnavailable

logger = logging.getLogger(__name__)


def index_pending_photo(photo_id: int) -> bool:
    """Index a photo's face if it still waits for it; returns whether this call indexed it."""
    with transaction.atomic():
        photo = FacePhoto.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.state != FacePhoto.State.PENDING:
            return False
        try:
            services.photo_index(photo_id=photo_id)
        except EngineUnavailable as error:
            # The photo stays pending, to be indexed again (admin action) once the engine is back;
            # the upload that asked for it has succeeded all the same.
            logger.warning("Photo %s stays pending: %s", photo_id, error)
            return False
    return True


@task
def index_photo(photo_id: int) -> None:
    """Index one enrolment photo's face (a Lambda async invocation when on Lambda)."""
    index_pending_photo(photo_id)


def schedule_photo_index(photo_id: int) -> None:
    """Index the photo once the current transaction commits (a rolled-back row is never seen)."""
    transaction.on_commit(lambda: index_photo(photo_id))


def purge_expired_probes(event: dict | None = None, context: object = None) -> int:
    """Delete probe images past their retention (daily: a scheduled event on Lambda)."""
    purged = services.verification_probes_purge()
    logger.info("Purged %s expired probe image(s).", purged)
    return purged
