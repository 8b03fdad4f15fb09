"""`manage.py run_scheduled`: what AWS runs on a schedule, run from cron elsewhere."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.collection import STORE
from accounts.models import FacePhoto, StoredFace
from tests.factories import enroll, make_employee

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_15_minutes_work_left_waiting_is_done(faces, settings):
    settings.IMAGESIFT_STALE_TASK_MINUTES = 10
    [photo] = enroll(make_employee("Jackie Chan"), faces.of("Jackie_Chan")[0])
    an_hour_ago = timezone.now() - timedelta(hours=1)
    FacePhoto.objects.filter(pk=photo.pk).update(  # its worker was killed mid-way
        state=FacePhoto.State.INDEXING, created_at=an_hour_ago, claimed_at=an_hour_ago
    )
    out = StringIO()

    call_command("run_scheduled", "--every", "15m", stdout=out)

    assert "accounts.tasks.requeue_stale_photos: 1" in out.getvalue()
    assert "insight.tasks.requeue_stale_analyses: 0" in out.getvalue()
    assert "recognition.tasks.requeue_stale_measurements: 0" in out.getvalue()
    assert FacePhoto.objects.get(pk=photo.pk).state == FacePhoto.State.INDEXED


def test_daily_the_collection_is_repaired_and_expired_probes_purged():
    STORE.add(person_key="999999", vector=bytes(16), model="test-model")
    out = StringIO()

    call_command("run_scheduled", "--every", "daily", stdout=out)

    assert "recognition.tasks.purge_expired_probes: 0" in out.getvalue()
    assert "accounts.tasks.purge_rejected_photos: 0" in out.getvalue()
    assert "accounts.tasks.repair_collection: False" in out.getvalue()  # it was not consistent
    assert not StoredFace.objects.exists()
