"""Task functions of image insight: analysis runs after the transaction that asked for it commits.

`analyze_image` is a Zappa async task: on Lambda it is a new asynchronous invocation, elsewhere
it runs in-process. The bucket's S3 event for the same upload may ask for the same analysis (see
recognition/events.py), so an analysis is claimed under a row lock: the second asker does
nothing.
"""

import logging

from django.db import transaction
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
