"""The one shape of background work, for indexing a photo and analysing an image alike:

1. a service asks for it once its transaction commits (`schedule`), naming the task by its
   dotted path, as a queue message names its worker: services never import tasks;
2. the task claims its row with a conditional UPDATE, pending → running, stamped `claimed_at`
   (`WorkQueue.process`);
3. it does the slow work with no transaction open; an unavailable engine gives the claim up;
4. it writes the result with a conditional UPDATE that hits the row only while the claim is
   still its own (`WorkQueue.finish`); when the row changed or vanished meanwhile, the work
   undoes its side effect;
5. a scheduled sweep queues again what stayed pending, and claims that went stale (a lost
   invocation, a timeout): `WorkQueue.requeue_stale`.

S3 delivers events at least once and Lambda retries: each step is safe to repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from vision.errors import EngineUnavailable

logger = logging.getLogger(__name__)


def schedule(task_path: str, *args: int) -> None:
    """Run the task at `task_path` once the current transaction commits (a rolled-back row is
    never worked on): in-process here, a new asynchronous invocation on Lambda (Zappa's @task).

    A task that fails is logged and its row waits for the sweep; it never fails the request
    that asked for it, whose writes have committed (nor undoes them)."""
    transaction.on_commit(lambda: import_string(task_path)(*args), robust=True)


@dataclass(frozen=True)
class WorkQueue:
    """Rows of `model` waiting for work: `state_field` is `pending` until a task claims the row
    (`running`), and the task's result moves it on. The model has `created_at` and a nullable
    `claimed_at`."""

    model: type[models.Model]
    state_field: str
    pending: str
    running: str

    def process(self, pk: int, work: Callable[[int, datetime], bool]) -> bool:
        """Claim the row and do `work(pk, claimed_at)`, which writes its result with `finish`.
        An unavailable engine (or any other error, which propagates) gives the claim up: the
        row waits for the sweep. Returns what `work` returns, or False when the row was not
        waiting or the engine was unavailable."""
        claimed_at = self.claim(pk)
        if claimed_at is None:
            return False
        try:
            return work(pk, claimed_at)
        except EngineUnavailable as error:
            self.release(pk, claimed_at)
            logger.warning("%s %s waits: %s", self.model._meta.verbose_name, pk, error)
            return False
        except Exception:
            self.release(pk, claimed_at)  # a bug: the row waits for the sweep, not half-done
            raise

    def claim(self, pk: int) -> datetime | None:
        """Claim a pending row; the claim's stamp, or None when the row is not pending (done,
        claimed by another task, or gone)."""
        claimed_at = timezone.now()
        claimed = self.model._default_manager.filter(
            pk=pk, **{self.state_field: self.pending}
        ).update(**{self.state_field: self.running, "claimed_at": claimed_at})
        return claimed_at if claimed else None

    def finish(self, pk: int, claimed_at: datetime, **values: object) -> bool:
        """Write the result if the row is still under this claim; False when it changed or
        vanished meanwhile (then nothing is written, and nothing deleted comes back)."""
        return bool(
            self.model._default_manager.filter(
                pk=pk, claimed_at=claimed_at, **{self.state_field: self.running}
            ).update(**values)
        )

    def release(self, pk: int, claimed_at: datetime) -> None:
        """Give a claim up (the engine is unavailable): the row waits for the sweep."""
        self.finish(pk, claimed_at, **{self.state_field: self.pending})

    def reclaim_stale(self) -> datetime:
        """Put back the claims older than IMAGESIFT_STALE_TASK_MINUTES (their task was lost: a
        timeout, a crash): those rows wait again. Returns the cutoff."""
        cutoff = timezone.now() - timedelta(minutes=settings.IMAGESIFT_STALE_TASK_MINUTES)
        self.model._default_manager.filter(
            **{self.state_field: self.running}, claimed_at__lt=cutoff
        ).update(**{self.state_field: self.pending})
        return cutoff

    def requeue_stale(self, task: Callable[[int], object]) -> int:
        """Queue again, oldest first, the rows waiting for IMAGESIFT_STALE_TASK_MINUTES or more,
        after putting back claims that old; at most IMAGESIFT_STALE_TASK_BATCH. Returns how many
        were queued."""
        cutoff = self.reclaim_stale()
        stale = self.model._default_manager.filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=cutoff),
            **{self.state_field: self.pending},
            created_at__lt=cutoff,
        ).order_by("created_at", "pk")
        stale_ids = list(stale.values_list("pk", flat=True)[: settings.IMAGESIFT_STALE_TASK_BATCH])
        for pk in stale_ids:
            task(pk)
        if stale_ids:
            name = self.model._meta.verbose_name_plural
            logger.info("Queued %s waiting %s again.", len(stale_ids), name)
        return len(stale_ids)
