"""The door's decision rules (`recognition.decisions.decide`), branch by branch.

`decide` does no I/O, so unsaved people and visits are enough.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Employee, Person, Visitor
from recognition.decisions import decide
from recognition.models import Verification
from visits.models import Visit

Decision = Verification.Decision
Status = Visit.Status
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def employee(**fields) -> Employee:
    return Employee(name="Ada Lovelace", staff_number="E-1", **fields)


def visitor(**fields) -> Visitor:
    return Visitor(name="Grace Hopper", **fields)


def visit(
    *, starts_in=timedelta(hours=-1), lasts=timedelta(hours=4), status=Status.EXPECTED, **fields
) -> Visit:
    return Visit(
        starts_at=NOW + starts_in, ends_at=NOW + starts_in + lasts, status=status, **fields
    )


def decide_visitor(*visits: Visit, **fields):
    return decide(visitor(**fields), face_found=True, now=NOW, visits=visits)


def test_no_face_wins_over_everything():
    outcome = decide(employee(), face_found=False, now=NOW)
    assert (outcome.decision, outcome.reason) == (Decision.NO_FACE, "no usable face in the image")


def test_a_face_nobody_matches_is_unknown():
    outcome = decide(None, face_found=True, now=NOW)
    assert (outcome.decision, outcome.reason) == (Decision.UNKNOWN, "no enrolled person matches")


def test_a_face_near_a_denied_person_without_a_match_is_a_possible_denied():
    outcome = decide(
        None,
        face_found=True,
        now=NOW,
        near_denied=employee(denied=True, denied_reason="Badge revoked"),
        unsearched_photos=3,
    )
    assert outcome.decision == Decision.POSSIBLE_DENIED
    assert outcome.reason == (
        "check ID: possible match to a person on the deny list (Badge revoked)"
    )


def test_a_match_wins_over_a_denied_person_further_away():
    outcome = decide(employee(), face_found=True, now=NOW, near_denied=employee(denied=True))
    assert outcome.decision == Decision.EMPLOYEE


def test_no_face_is_never_a_possible_denied():
    outcome = decide(None, face_found=False, now=NOW, near_denied=employee(denied=True))
    assert outcome.decision == Decision.NO_FACE


@pytest.mark.parametrize(
    "person",
    [employee(), visitor()],
    ids=["employee", "visitor"],
)
def test_a_required_liveness_check_that_did_not_pass_admits_nobody(person):
    outcome = decide(
        person,
        face_found=True,
        now=NOW,
        visits=[visit()],
        liveness_refusal="liveness check required",
    )
    assert (outcome.decision, outcome.reason) == (
        Decision.LIVENESS_FAILED,
        "liveness check required",
    )


def test_a_liveness_refusal_leaves_a_refusal_as_it_was():
    denied = employee(denied=True, denied_reason="Badge revoked")
    outcome = decide(denied, face_found=True, now=NOW, liveness_refusal="liveness check required")
    assert outcome.decision == Decision.DENIED


def test_an_active_employee_may_enter():
    assert decide(employee(), face_found=True, now=NOW).decision == Decision.EMPLOYEE


def test_an_inactive_employee_is_denied():
    outcome = decide(employee(active=False), face_found=True, now=NOW)
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, "employee is no longer active")


@pytest.mark.parametrize(
    ("person", "visits"),
    [
        (employee(denied=True, denied_reason="Badge revoked"), []),
        (employee(active=False, denied=True, denied_reason="Badge revoked"), []),
        (visitor(denied=True, denied_reason="Badge revoked"), [visit()]),
        (visitor(denied=True, denied_reason="Badge revoked"), [visit(starts_in=timedelta(days=2))]),
        (visitor(denied=True, denied_reason="Badge revoked"), [visit(status=Status.CANCELLED)]),
        (visitor(denied=True, denied_reason="Badge revoked"), []),
    ],
    ids=[
        "employee",
        "inactive employee",
        "visitor",
        "early visitor",
        "cancelled visitor",
        "visitor without visits",
    ],
)
def test_the_deny_list_wins_with_its_reason(person, visits):
    outcome = decide(person, face_found=True, now=NOW, visits=visits)
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, "Badge revoked")


def test_the_deny_list_without_a_reason_says_so():
    outcome = decide_visitor(visit(), denied=True)
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, "on the deny list")


@pytest.mark.parametrize("status", [Status.INVITED, Status.EXPECTED, Status.CHECKED_IN])
def test_a_visitor_inside_a_planned_or_current_visit_may_enter(status):
    current = visit(status=status)
    outcome = decide_visitor(current)
    assert (outcome.decision, outcome.reason, outcome.visit) == (Decision.VISITOR, "", current)


@pytest.mark.parametrize(
    ("starts_in", "lasts"),
    [(timedelta(0), timedelta(hours=1)), (timedelta(hours=-1), timedelta(hours=1))],
    ids=["window starts now", "window ends now"],
)
def test_the_window_includes_its_ends(starts_in, lasts):
    assert decide_visitor(visit(starts_in=starts_in, lasts=lasts)).decision == Decision.VISITOR


def test_a_cancelled_visit_says_so_inside_its_window():
    cancelled = visit(status=Status.CANCELLED)
    outcome = decide_visitor(cancelled)
    assert (outcome.decision, outcome.reason) == (
        Decision.VISIT_CANCELLED,
        "the visit was cancelled",
    )
    assert outcome.visit is cancelled


def test_a_visit_nobody_came_to_is_not_a_way_in():
    outcome = decide_visitor(visit(status=Status.NO_SHOW))
    assert (outcome.decision, outcome.reason) == (
        Decision.VISIT_CANCELLED,
        "the visit was closed as a no-show",
    )


def test_a_checked_out_visitor_coming_back_is_not_admitted_silently():
    left = visit(status=Status.CHECKED_OUT, checked_out_at=NOW - timedelta(minutes=30))
    outcome = decide_visitor(left)
    assert outcome.decision == Decision.VISITOR_CHECKED_OUT
    assert outcome.reason.startswith("checked out of this visit at 2 Mar 2026")
    assert outcome.visit is left


def test_a_visit_under_way_wins_over_another_covering_the_same_moment():
    current = visit(status=Status.EXPECTED)
    outcome = decide_visitor(
        visit(status=Status.CANCELLED), current, visit(status=Status.CHECKED_OUT)
    )
    assert (outcome.decision, outcome.visit) == (Decision.VISITOR, current)


def test_a_visit_that_has_not_started_is_refused_naming_when_it_starts():
    later = visit(starts_in=timedelta(days=1))
    outcome = decide_visitor(visit(starts_in=timedelta(days=3)), later)
    assert outcome.decision == Decision.VISITOR_OUTSIDE_WINDOW
    assert outcome.reason.startswith("the visit window has not started yet: it starts 3 Mar 2026")
    assert outcome.visit is later


def test_a_cancelled_visit_to_come_is_not_named_as_the_next():
    outcome = decide_visitor(visit(starts_in=timedelta(days=1), status=Status.CANCELLED))
    assert outcome.reason == "no visit is planned for this visitor"


def test_a_visit_that_has_ended_is_refused_naming_when():
    ended = visit(starts_in=timedelta(hours=-5), lasts=timedelta(hours=4, seconds=59 * 60))
    outcome = decide_visitor(visit(starts_in=timedelta(days=-3)), ended)
    assert outcome.decision == Decision.VISITOR_OUTSIDE_WINDOW
    assert outcome.reason.startswith("the visit window has ended: the last visit ended 2 Mar 2026")
    assert outcome.visit is ended


def test_a_visitor_without_any_visit_is_refused():
    outcome = decide_visitor()
    assert (outcome.decision, outcome.reason, outcome.visit) == (
        Decision.VISITOR_OUTSIDE_WINDOW,
        "no visit is planned for this visitor",
        None,
    )


def test_a_person_of_no_known_kind_is_an_error():
    with pytest.raises(TypeError):
        decide(Person(name="Nobody"), face_found=True, now=NOW)


def test_an_unknown_face_says_when_photos_wait_for_reindexing():
    outcome = decide(None, face_found=True, now=NOW, unsearched_photos=3)
    assert outcome.decision == Decision.UNKNOWN
    assert "3 photos were indexed by another face model" in outcome.reason
    assert "manage.py reindex" in outcome.reason
