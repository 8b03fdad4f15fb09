"""Background and scheduled work of the recognition app: the gallery measurement (a Zappa async
task on Lambda, in-process elsewhere), its sweep, and the daily probe purge."""

import logging

from zappa.asynchronous import task

from recognition import measuring, services

logger = logging.getLogger(__name__)


@task
def measure_gallery(measurement_id: int) -> None:
    """Measure how near each other the enrolled people are (calibration)."""
    measuring.gallery_measure(measurement_id=measurement_id)


def requeue_stale_measurements(event: dict | None = None, context: object = None) -> int:
    """Queue again a measurement left waiting, or whose task was lost (every 15 minutes)."""
    return measuring.GALLERY_MEASURING.requeue_stale(measure_gallery)


def purge_expired_probes(event: dict | None = None, context: object = None) -> int:
    """Delete probe images past their retention (daily: a scheduled event on Lambda)."""
    purged = services.verification_probes_purge()
    logger.info("Purged %s expired probe image(s).", purged)
    return purged
