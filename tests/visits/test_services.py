"""The visit's writes (`visits.services`): planning, changing, cancelling, checking in and out,
and the sweep that closes visits whose time is over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import FacePhoto, StoredFace
from accounts.services import photos_remove_faces
from notifications.models import Notification
from tests.factories import enroll, make_employee, make_visit, make_visitor
from visits import services
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)
Status = Visit.Status


def test_a_visit_is_planned_expected_with_who_planned_it(visitor, host, user_with_role):
    start = timezone.now() + timedelta(days=1)
    planner = user_with_role(None, username="desk-ann")

    visit = services.visit_create(
        visitor=visitor,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        host=host,
        purpose="Audit",
        created_by=planner,
    )

    assert (visit.status, visit.purpose, visit.created_by_name) == (
        Status.EXPECTED,
        "Audit",
        "desk-ann",
    )
    assert visitor.visits.count() == 2  # the fixture's, and this one


@pytest.mark.parametrize(
    ("hours", "active_host", "fields"),
    [(-1, True, {"ends_at"}), (0, True, {"ends_at"}), (2, False, {"host"})],
    ids=["ends before it starts", "ends as it starts", "inactive host"],
)
def test_a_visit_that_does_not_hold_together_is_refused(visitor, hours, active_host, fields):
    host = make_employee("Gone Away", active=active_host)
    start = timezone.now()
    with pytest.raises(ValidationError) as refused:
        services.visit_create(
            visitor=visitor, starts_at=start, ends_at=start + timedelta(hours=hours), host=host
        )
    assert set(refused.value.message_dict) == fields
    assert visitor.visits.count() == 1


def test_checking_in_gives_a_badge_and_tells_the_host(visitor, host, user_with_role):
    visit = visitor.visits.get()
    desk = user_with_role(None, username="desk-bob")

    services.visit_check_in(visit=visit, by=desk)

    visit.refresh_from_db()
    assert visit.status == Status.CHECKED_IN
    assert visit.badge_number == f"V{visit.pk:06d}"
    assert (visit.checked_in_by, visit.checked_in_by_name) == (desk, "desk-bob")
    assert visit.checked_in_at is not None and visit.check_in_verification is None
    email = Notification.objects.get(channel=Notification.Channel.EMAIL)
    assert (email.event, email.recipient) == ("visit.checked_in", host.email)
    assert email.data["summary"] == "John Schneider (Acme) checked in to see Hedy Lamarr"
    assert email.data["badge_number"] == visit.badge_number and email.data["by"] == "desk-bob"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.CHECKED_IN, "this one is checked in"),
        (Status.CHECKED_OUT, "this one is checked out"),
        (Status.CANCELLED, "this one is cancelled"),
        (Status.NO_SHOW, "this one is no show"),
    ],
)
def test_only_a_planned_visit_can_be_checked_in(host, status, message):
    visitor = make_visitor("Walk In", host=host, status=status)
    visit = visitor.visits.get()
    before = (visit.status, visit.checked_in_at, visit.checked_out_at)

    with pytest.raises(ValidationError, match=message):
        services.visit_check_in(visit=visit)

    visit.refresh_from_db()
    assert (visit.status, visit.checked_in_at, visit.checked_out_at) == before


def test_a_visit_whose_window_is_over_is_not_checked_in(visitor):
    visit = make_visit(visitor, starts_in=timedelta(hours=-5), lasts=timedelta(hours=1))
    with pytest.raises(ValidationError, match="window is over"):
        services.visit_check_in(visit=visit)
    early = make_visit(visitor, starts_in=timedelta(hours=2))
    assert services.visit_check_in(visit=early).status == Status.CHECKED_IN  # early arrivals


def test_two_desks_checking_in_at_once_check_in_once(visitor):
    first, second = Visit.objects.get(), Visit.objects.get()  # both read it expected
    services.visit_check_in(visit=first)
    with pytest.raises(ValidationError, match="checked in"):
        services.visit_check_in(visit=second)
    assert Notification.objects.filter(event="visit.checked_in").count() == 1


def test_checking_out_is_announced_and_needs_a_check_in(visitor, webhook_receiver):
    webhook_receiver.endpoint(events=["visit.checked_out"])
    visit = visitor.visits.get()
    with pytest.raises(ValidationError, match="Only a checked-in visitor can be checked out"):
        services.visit_check_out(visit=visit)
    assert webhook_receiver.received == []

    services.visit_check_in(visit=visit)
    services.visit_check_out(visit=visit)

    assert visit.status == Status.CHECKED_OUT and visit.checked_out_at is not None
    [delivery] = webhook_receiver.received
    event = delivery.json
    assert event["type"] == "visit.checked_out"
    assert event["data"]["visit"] == visit.pk and event["data"]["status"] == "checked_out"
    assert event["data"]["summary"] == "John Schneider (Acme) checked out after seeing Hedy Lamarr"


def test_cancelling_is_for_visits_still_to_come(visitor):
    visit = visitor.visits.get()
    assert services.visit_cancel(visit=visit).status == Status.CANCELLED
    with pytest.raises(ValidationError, match="still to come"):
        services.visit_cancel(visit=visit)


def test_a_visit_is_changed_only_while_planned_or_under_way(visitor, host):
    visit = visitor.visits.get()
    later = visit.ends_at + timedelta(hours=1)
    assert services.visit_update(visit=visit, data={"ends_at": later}).ends_at == later
    with pytest.raises(ValidationError) as backwards:
        services.visit_update(visit=visit, data={"ends_at": visit.starts_at})
    assert list(backwards.value.message_dict) == ["ends_at"]
    with pytest.raises(TypeError):
        services.visit_update(visit=visit, data={"status": Status.CHECKED_IN})
    services.visit_cancel(visit=visit)
    with pytest.raises(ValidationError, match="cancelled visit cannot be changed"):
        services.visit_update(visit=visit, data={"purpose": "Again"})


def test_the_sweep_checks_out_overdue_visitors_and_closes_no_shows(host, settings):
    settings.IMAGESIFT_CHECK_OUT_GRACE_MINUTES = 30
    stayed = make_visitor("Stayed On", host=host, status=Status.CHECKED_IN)
    make_visitor("Never Came", host=host)
    left_early = make_visitor("Left Early", host=host, status=Status.CHECKED_OUT)
    within_grace = make_visitor("Just Ended", host=host, status=Status.CHECKED_IN)
    Visit.objects.filter(visitor=within_grace).update(
        ends_at=timezone.now() - timedelta(minutes=10)
    )
    Visit.objects.exclude(visitor=within_grace).update(
        ends_at=timezone.now() - timedelta(minutes=45)
    )

    closed = services.visits_close_overdue()

    assert closed == {"checked_out": 1, "no_shows": 1}
    statuses = dict(Visit.objects.values_list("visitor__name", "status"))
    assert statuses == {
        "Stayed On": Status.CHECKED_OUT,
        "Never Came": Status.NO_SHOW,
        "Left Early": Status.CHECKED_OUT,
        "Just Ended": Status.CHECKED_IN,
    }
    swept = Visit.objects.get(visitor=stayed)
    assert swept.checked_out_by_name == "automatic" and swept.checked_out_by is None
    assert Visit.objects.get(visitor=left_early).checked_out_by_name != "automatic"
    assert services.visits_close_overdue() == {"checked_out": 0, "no_shows": 0}


def test_a_returning_visitor_gets_their_removed_faces_back_with_a_new_visit(visitor, faces):
    enroll(visitor, *faces.of("Jackie_Chan")[:2])
    photos_remove_faces(people=[visitor])
    assert not StoredFace.objects.exists()

    start = timezone.now() + timedelta(days=30)
    services.visit_create(visitor=visitor, starts_at=start, ends_at=start + timedelta(hours=1))

    states = set(visitor.photos.values_list("state", flat=True))
    assert states == {FacePhoto.State.INDEXED}
    assert StoredFace.objects.filter(person_key=str(visitor.pk)).count() == 2
