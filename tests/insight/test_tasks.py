"""Image insight's tasks: analyses queued after commit, and stale pending ones queued again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from zappa.asynchronous import route_lambda_task

from insight import services, tasks
from insight.models import ImageAnalysis
from tests.aws import on_lambda
from tests.uploads import sample_photo

pytestmark = pytest.mark.django_db(transaction=True)


def pending(name: str, *, minutes_ago: int) -> ImageAnalysis:
    """An image in storage whose analysis is still pending, registered `minutes_ago`."""
    stored = default_storage.save(f"uploads/waiting/{name}", ContentFile(sample_photo("coffee")))
    analysis = services.image_register_stored(name=stored)
    ImageAnalysis.objects.filter(pk=analysis.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return analysis


def status(analysis: ImageAnalysis) -> str:
    return ImageAnalysis.objects.get(pk=analysis.pk).status


def test_stale_pending_analyses_are_analysed_again_and_fresh_ones_left_alone(settings):
    settings.IMAGESIFT_ANALYSIS_RETRY_MINUTES = 10
    stale, fresh = pending("stale.jpg", minutes_ago=30), pending("fresh.jpg", minutes_ago=2)

    assert tasks.retry_pending_analyses({"source": "aws.events"}, None) == 1

    assert status(stale) == ImageAnalysis.Status.DONE
    assert status(fresh) == ImageAnalysis.Status.PENDING
    assert tasks.retry_pending_analyses() == 0  # nothing stale is left


def test_on_lambda_each_stale_analysis_is_its_own_invocation(settings, monkeypatch):
    settings.IMAGESIFT_ANALYSIS_RETRY_BATCH = 2
    oldest = [pending(f"{number}.jpg", minutes_ago=60 - number) for number in range(3)]

    with on_lambda(monkeypatch) as invocations:
        invocations.expect(2)
        assert tasks.retry_pending_analyses() == 2

    assert [payload["task_path"] for payload in invocations.payloads] == [
        "insight.tasks.analyze_image"
    ] * 2
    assert [payload["args"] for payload in invocations.payloads] == [
        [oldest[0].pk],
        [oldest[1].pk],
    ]
    route_lambda_task(invocations.payloads[0], None)  # as the new invocation runs it
    assert status(oldest[0]) == ImageAnalysis.Status.DONE
