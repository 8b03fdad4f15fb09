"""Reads of the audit log (`recognition/selectors.py`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from recognition import selectors
from recognition.models import Verification
from tests.factories import make_employee

pytestmark = pytest.mark.django_db

Decision, Channel = Verification.Decision, Verification.Channel


def logged(at: datetime, **fields) -> Verification:
    fields.setdefault("decision", Decision.UNKNOWN)
    fields.setdefault("channel", Channel.API)
    return Verification.objects.create(created_at=at, engine="local", **fields)


def test_the_log_is_newest_first_and_filtered_by_what_is_given():
    now = timezone.now()
    ada = make_employee()
    old = logged(now - timedelta(days=2), decision=Decision.EMPLOYEE, person=ada)
    desk = logged(now - timedelta(hours=1), channel=Channel.UI)
    new = logged(now, decision=Decision.EMPLOYEE, person=ada)

    assert list(selectors.verifications_list()) == [new, desk, old]
    assert list(selectors.verifications_list(decision=Decision.EMPLOYEE)) == [new, old]
    assert list(selectors.verifications_list(channel=Channel.UI)) == [desk]
    assert list(selectors.verifications_list(person_id=ada.pk)) == [new, old]
    since = selectors.verifications_list(since=now - timedelta(hours=2), until=now)
    assert list(since) == [desk]  # `until` is exclusive


def test_the_days_verifications_are_the_most_recent_of_that_day_only(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    today = timezone.localdate()
    start_of_day = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    yesterday = logged(start_of_day - timedelta(seconds=1))
    morning = [logged(start_of_day + timedelta(minutes=minute)) for minute in range(3)]

    assert selectors.verifications_for_day(limit=2) == [morning[2], morning[1]]
    assert selectors.verifications_for_day(today - timedelta(days=1)) == [yesterday]
