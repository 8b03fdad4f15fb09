"""The one shape of background work (`core/jobs.py`): scheduled after commit by the task's path,
claimed once, written back only under its own claim, and swept up when it went stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.jobs import WorkQueue, schedule
from insight.models import ImageAnalysis
from vision.errors import EngineUnavailable

pytestmark = pytest.mark.django_db(transaction=True)

PENDING, RUNNING, DONE = (
    ImageAnalysis.Status.PENDING,
    ImageAnalysis.Status.RUNNING,
    ImageAnalysis.Status.DONE,
)
QUEUE = WorkQueue(ImageAnalysis, "status", pending=PENDING, running=RUNNING)
# What `schedule` ran: a task module-level function of this test module, found by its path.
RAN: list[int] = []


def remember(pk: int) -> None:
    RAN.append(pk)


@pytest.fixture(autouse=True)
def _forget_runs(settings):
    settings.IMAGESIFT_STALE_TASK_MINUTES = 10
    settings.IMAGESIFT_STALE_TASK_BATCH = 10
    RAN.clear()
    yield
    RAN.clear()


def row(name: str = "a.jpg", *, minutes_ago: int = 0, **fields) -> ImageAnalysis:
    created_at = timezone.now() - timedelta(minutes=minutes_ago)
    return ImageAnalysis.objects.create(
        image=f"uploads/jobs/{name}",
        source=ImageAnalysis.Source.CLI,
        min_confidence=80,
        max_labels=10,
        created_at=created_at,
        **fields,
    )


def status(analysis: ImageAnalysis) -> str:
    return ImageAnalysis.objects.get(pk=analysis.pk).status


# --- scheduling -------------------------------------------------------------------------------
def test_a_scheduled_task_runs_by_its_path_once_the_transaction_commits():
    with transaction.atomic():
        schedule(f"{__name__}.remember", 7)
        assert RAN == []  # not before the commit

    assert RAN == [7]


def test_a_rolled_back_transaction_schedules_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        schedule(f"{__name__}.remember", 7)
        raise RuntimeError("the request failed")

    assert RAN == []


# --- claiming and writing back ----------------------------------------------------------------
def test_work_on_a_claimed_row_gets_the_claim_and_what_it_answers_is_the_answer():
    analysis = row()
    seen = []

    def work(pk, claimed_at) -> bool:
        seen.append((pk, status(analysis)))
        return QUEUE.finish(pk, claimed_at, status=DONE)

    assert QUEUE.process(analysis.pk, work) is True
    assert seen == [(analysis.pk, RUNNING)]
    assert QUEUE.process(analysis.pk, work) is False  # done: not claimed again
    assert len(seen) == 1


def test_an_unavailable_engine_gives_the_claim_up_and_the_row_waits():
    analysis = row()

    def work(pk, claimed_at) -> bool:
        raise EngineUnavailable("Amazon Rekognition is throttling requests")

    assert QUEUE.process(analysis.pk, work) is False
    assert status(analysis) == PENDING


def test_only_one_claim_wins():
    analysis = row()

    first, second = QUEUE.claim(analysis.pk), QUEUE.claim(analysis.pk)

    assert first is not None and second is None
    stored = ImageAnalysis.objects.get(pk=analysis.pk)
    assert (stored.status, stored.claimed_at) == (RUNNING, first)


def test_a_row_that_is_done_or_gone_is_not_claimed():
    done = row(status=DONE)
    gone = row("gone.jpg")
    gone.delete()

    assert QUEUE.claim(done.pk) is None
    assert QUEUE.claim(gone.pk) is None


def test_the_result_is_written_under_its_own_claim_only():
    analysis = row()
    claimed_at = QUEUE.claim(analysis.pk)

    assert not QUEUE.finish(analysis.pk, claimed_at - timedelta(seconds=1), status=DONE)
    assert status(analysis) == RUNNING
    assert QUEUE.finish(analysis.pk, claimed_at, status=DONE)
    assert status(analysis) == DONE


def test_a_row_deleted_while_it_was_worked_on_is_not_brought_back():
    analysis = row()
    claimed_at = QUEUE.claim(analysis.pk)
    ImageAnalysis.objects.filter(pk=analysis.pk).delete()

    assert not QUEUE.finish(analysis.pk, claimed_at, status=DONE)
    assert not ImageAnalysis.objects.exists()


def test_a_row_queued_again_meanwhile_takes_no_stale_result():
    analysis = row()
    claimed_at = QUEUE.claim(analysis.pk)
    ImageAnalysis.objects.filter(pk=analysis.pk).update(status=PENDING)  # asked for again

    assert not QUEUE.finish(analysis.pk, claimed_at, status=DONE)
    assert status(analysis) == PENDING


def test_a_released_claim_waits_again():
    analysis = row()
    claimed_at = QUEUE.claim(analysis.pk)

    QUEUE.release(analysis.pk, claimed_at)

    assert status(analysis) == PENDING
    assert QUEUE.claim(analysis.pk) is not None


# --- the sweep --------------------------------------------------------------------------------
def test_the_sweep_queues_stale_waiting_rows_and_lost_claims_oldest_first():
    waiting = row("waiting.jpg", minutes_ago=30)
    lost = row("lost.jpg", minutes_ago=40)
    QUEUE.claim(lost.pk)
    ImageAnalysis.objects.filter(pk=lost.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=20)
    )
    fresh = row("fresh.jpg", minutes_ago=2)
    working = row("working.jpg", minutes_ago=30)
    QUEUE.claim(working.pk)  # claimed just now: still under way
    row("done.jpg", minutes_ago=30, status=DONE)

    queued = QUEUE.requeue_stale(remember)

    assert queued == 2
    assert [lost.pk, waiting.pk] == RAN
    assert (status(lost), status(working), status(fresh)) == (PENDING, RUNNING, PENDING)


def test_the_sweep_takes_at_most_its_batch(settings):
    settings.IMAGESIFT_STALE_TASK_BATCH = 2
    rows = [row(f"{number}.jpg", minutes_ago=60 - number) for number in range(3)]

    assert QUEUE.requeue_stale(remember) == 2
    assert [rows[0].pk, rows[1].pk] == RAN


def test_a_claim_given_up_recently_is_not_swept_at_once():
    analysis = row(minutes_ago=60)
    QUEUE.release(analysis.pk, QUEUE.claim(analysis.pk))  # the engine was unavailable just now

    assert QUEUE.requeue_stale(remember) == 0


def fail(pk: int) -> None:
    raise RuntimeError(f"a bug in the task of row {pk}")


def test_a_failing_task_never_fails_or_undoes_the_transaction_that_asked_for_it(caplog):
    with transaction.atomic():
        analysis = row()
        schedule(f"{__name__}.fail", analysis.pk)

    assert ImageAnalysis.objects.filter(pk=analysis.pk).exists()  # committed, and kept
    assert "a bug in the task of row" in caplog.text


def test_a_bug_in_the_work_gives_the_claim_up_and_the_row_waits():
    analysis = row()

    with pytest.raises(RuntimeError):
        QUEUE.process(analysis.pk, lambda pk, claimed_at: fail(pk))

    assert status(analysis) == PENDING
