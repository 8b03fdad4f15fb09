"""Scheduled work of the recognition app (a daily scheduled event on Lambda)."""

import logging

from recognition import services

logger = logging.getLogger(__name__)


def purge_expired_probes(event: dict | None = None, context: object = None) -> int:
    """Delete probe images past their retention (daily: a scheduled event on Lambda)."""
    purged = services.verification_probes_purge()
    logger.info("Purged %s expired probe image(s).", purged)
    return purged
