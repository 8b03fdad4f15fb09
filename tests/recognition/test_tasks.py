"""Scheduled work of the recognition app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recognition import tasks
from recognition.models import Verification
from tests.factories import verify

pytestmark = pytest.mark.django_db


def test_the_daily_purge_deletes_expired_probe_images(faces):
    verification = verify(faces.nonface()[0])
    Verification.objects.filter(pk=verification.pk).update(
        probe_expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert tasks.purge_expired_probes({"source": "aws.events"}, None) == 1

    verification.refresh_from_db()
    assert not verification.probe_image
    assert not verification.probe_image.storage.exists(verification.probe_image.name or "x")
