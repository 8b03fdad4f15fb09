"""Image insight's tasks: analyses queued after commit, stale ones queued again, and an image
deleted while it was analysed not brought back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from zappa.asynchronous import route_lambda_task

from insight import services, tasks
from insight.models import AnalysisFace, ImageAnalysis
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
    settings.IMAGESIFT_STALE_TASK_MINUTES = 10
    stale, fresh = pending("stale.jpg", minutes_ago=30), pending("fresh.jpg", minutes_ago=2)

    assert tasks.requeue_stale_analyses({"source": "aws.events"}, None) == 1

    assert status(stale) == ImageAnalysis.Status.DONE
    assert status(fresh) == ImageAnalysis.Status.PENDING
    assert tasks.requeue_stale_analyses() == 0  # nothing stale is left


def test_on_lambda_each_stale_analysis_is_its_own_invocation(settings, monkeypatch):
    settings.IMAGESIFT_STALE_TASK_BATCH = 2
    oldest = [pending(f"{number}.jpg", minutes_ago=60 - number) for number in range(3)]

    with on_lambda(monkeypatch) as invocations:
        invocations.expect(2)
        assert tasks.requeue_stale_analyses() == 2

    assert [payload["task_path"] for payload in invocations.payloads] == [
        "insight.tasks.analyze_image"
    ] * 2
    assert [payload["args"] for payload in invocations.payloads] == [
        [oldest[0].pk],
        [oldest[1].pk],
    ]
    route_lambda_task(invocations.payloads[0], None)  # as the new invocation runs it
    assert status(oldest[0]) == ImageAnalysis.Status.DONE


def test_analyses_whose_invocation_was_lost_mid_way_are_analysed_again(settings):
    settings.IMAGESIFT_STALE_TASK_MINUTES = 10
    lost = pending("lost.jpg", minutes_ago=60)
    ImageAnalysis.objects.filter(pk=lost.pk).update(
        status=ImageAnalysis.Status.RUNNING, claimed_at=timezone.now() - timedelta(minutes=30)
    )
    working = pending("working.jpg", minutes_ago=60)
    ImageAnalysis.objects.filter(pk=working.pk).update(
        status=ImageAnalysis.Status.RUNNING, claimed_at=timezone.now()
    )

    assert tasks.requeue_stale_analyses() == 1

    assert status(lost) == ImageAnalysis.Status.DONE
    assert status(working) == ImageAnalysis.Status.RUNNING  # under way: left to its task


def test_an_image_deleted_while_it_is_analysed_is_not_brought_back(faces):
    stored = default_storage.save(
        "uploads/racing/jackie.jpg", ContentFile(faces.of("Jackie_Chan")[3].read_bytes())
    )
    analysis = services.image_register_stored(name=stored)
    deleted = []

    def delete_it(execute, sql, params, many, context):
        # The face step reads the collection's version: the analysis is running by then.
        if not deleted and '"accounts_collectionversion"' in sql:
            deleted.append(True)
            services.image_delete(analysis=ImageAnalysis.objects.get(pk=analysis.pk))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(delete_it):
        assert services.image_analyze(analysis_id=analysis.pk) is False

    assert deleted
    assert not ImageAnalysis.objects.exists() and not AnalysisFace.objects.exists()
    assert not default_storage.exists(f"metadata/{stored}.json")
