"""What a match means at the door: the decision rules, free of I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.models import Employee, Person, Visitor
from recognition.models import Verification

Decision = Verification.Decision


@dataclass(frozen=True)
class Outcome:
    decision: str
    reason: str


def decide(person: Person | None, *, face_found: bool, now: datetime) -> Outcome:
    """The decision for a probe whose best match above the threshold is `person` (or none)."""
    if not face_found:
        return Outcome(Decision.NO_FACE, "no usable face in the image")
    if person is None:
        return Outcome(Decision.UNKNOWN, "no enrolled person matches")
    if person.denied:
        return Outcome(Decision.DENIED, person.denied_reason or "on the deny list")
    if isinstance(person, Employee):
        if not person.active:
            return Outcome(Decision.DENIED, "employee is no longer active")
        return Outcome(Decision.EMPLOYEE, "")
    if isinstance(person, Visitor):
        if person.status == Visitor.Status.CANCELLED:
            return Outcome(Decision.VISITOR_OUTSIDE_WINDOW, "the visit was cancelled")
        if person.visit_start <= now <= person.visit_end:
            return Outcome(Decision.VISITOR, "")
        when = "has not started yet" if now < person.visit_start else "has ended"
        return Outcome(Decision.VISITOR_OUTSIDE_WINDOW, f"the visit window {when}")
    raise TypeError(f"{person!r} is neither an employee nor a visitor")
