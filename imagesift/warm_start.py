"""Load the engine's models in a server process as it starts, not on its first request: the
first verification or analysis after a restart would otherwise wait for them."""

from __future__ import annotations

import logging
import time

from accounts.collection import face_collection
from vision.analysis import image_analyser

logger = logging.getLogger(__name__)


def warm_start() -> None:
    """The face models and gallery, then the analysis models, loaded now. A part that fails (no
    database yet) is logged and the process starts anyway: that part loads on first use."""
    started = time.perf_counter()
    for part in (face_collection(), image_analyser()):
        try:
            part.warm_up()
        except Exception:
            logger.exception("Warm start of %s failed: it loads on first use.", type(part).__name__)
    logger.info("Warm start: %.1f s.", time.perf_counter() - started)
