"""The door's decision rules (`recognition.decisions.decide`), branch by branch.

`decide` does no I/O, so unsaved people are enough.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Employee, Person, Visitor
from recognition.decisions import decide
from recognition.models import Verification

Decision = Verification.Decision
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def employee(**fields) -> Employee:
    return Employee(name="Ada Lovelace", staff_number="E-1", **fields)


def visitor(*, starts_in=timedelta(hours=-1), lasts=timedelta(hours=4), **fields) -> Visitor:
    return Visitor(
        name="Grace Hopper",
        visit_start=NOW + starts_in,
        visit_end=NOW + starts_in + lasts,
        **fields,
    )


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
    outcome = decide(person, face_found=True, now=NOW, liveness_refusal="liveness check required")
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
    "person",
    [
        employee(denied=True, denied_reason="Badge revoked"),
        employee(active=False, denied=True, denied_reason="Badge revoked"),
        visitor(denied=True, denied_reason="Badge revoked"),
        visitor(starts_in=timedelta(days=2), denied=True, denied_reason="Badge revoked"),
        visitor(status=Visitor.Status.CANCELLED, denied=True, denied_reason="Badge revoked"),
    ],
    ids=["employee", "inactive employee", "visitor", "early visitor", "cancelled visitor"],
)
def test_the_deny_list_wins_with_its_reason(person):
    outcome = decide(person, face_found=True, now=NOW)
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, "Badge revoked")


def test_the_deny_list_without_a_reason_says_so():
    outcome = decide(visitor(denied=True), face_found=True, now=NOW)
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, "on the deny list")


@pytest.mark.parametrize("status", [Visitor.Status.EXPECTED, Visitor.Status.ON_SITE])
def test_a_visitor_inside_the_window_may_enter(status):
    outcome = decide(visitor(status=status), face_found=True, now=NOW)
    assert (outcome.decision, outcome.reason) == (Decision.VISITOR, "")


@pytest.mark.parametrize(
    ("starts_in", "lasts"),
    [(timedelta(0), timedelta(hours=1)), (timedelta(hours=-1), timedelta(hours=1))],
    ids=["window starts now", "window ends now"],
)
def test_the_window_includes_its_ends(starts_in, lasts):
    person = visitor(starts_in=starts_in, lasts=lasts)
    assert decide(person, face_found=True, now=NOW).decision == Decision.VISITOR


def test_a_cancelled_visit_is_refused_even_inside_its_window():
    outcome = decide(visitor(status=Visitor.Status.CANCELLED), face_found=True, now=NOW)
    assert outcome.decision == Decision.VISITOR_OUTSIDE_WINDOW
    assert outcome.reason == "the visit was cancelled"


def test_a_visit_that_has_not_started_is_refused():
    person = visitor(starts_in=timedelta(seconds=1))
    outcome = decide(person, face_found=True, now=NOW)
    assert outcome.decision == Decision.VISITOR_OUTSIDE_WINDOW
    assert outcome.reason == "the visit window has not started yet"


def test_a_visit_that_has_ended_is_refused():
    person = visitor(starts_in=timedelta(hours=-5), lasts=timedelta(hours=4, seconds=59 * 60))
    outcome = decide(person, face_found=True, now=NOW)
    assert outcome.decision == Decision.VISITOR_OUTSIDE_WINDOW
    assert outcome.reason == "the visit window has ended"


def test_a_person_of_no_known_kind_is_an_error():
    with pytest.raises(TypeError):
        decide(Person(name="Nobody"), face_found=True, now=NOW)


def test_an_unknown_face_says_when_photos_wait_for_reindexing():
    outcome = decide(None, face_found=True, now=NOW, unsearched_photos=3)
    assert outcome.decision == Decision.UNKNOWN
    assert "3 photos were indexed by another face model" in outcome.reason
    assert "manage.py reindex" in outcome.reason
