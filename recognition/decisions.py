"""What a match means at the door: the decision rules, free of I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.models import Employee, Person, Visitor
from recognition.models import Verification

Decision = Verification.Decision


@dataclass(frozen=True)
class Verdict:
    """What the door says: the decision, and why when it is not a plain yes."""

    decision: str
    reason: str


ADMITTED = {Decision.EMPLOYEE, Decision.VISITOR}


def decide(
    person: Person | None,
    *,
    face_found: bool,
    now: datetime,
    near_denied: Person | None = None,
    unsearched_photos: int = 0,
    liveness_refusal: str = "",
) -> Verdict:
    """The decision for a probe (see `_decide_match`); a `liveness_refusal` (the liveness check
    is required and did not pass) turns an admission into LIVENESS_FAILED, saying why."""
    verdict = _decide_match(
        person,
        face_found=face_found,
        now=now,
        near_denied=near_denied,
        unsearched_photos=unsearched_photos,
    )
    if liveness_refusal and verdict.decision in ADMITTED:
        return Verdict(Decision.LIVENESS_FAILED, liveness_refusal)
    return verdict


def _decide_match(
    person: Person | None,
    *,
    face_found: bool,
    now: datetime,
    near_denied: Person | None,
    unsearched_photos: int,
) -> Verdict:
    """The decision for a probe whose best match above the threshold is `person` (or none).

    `near_denied` is a person on the deny list the probe is near without matching: with no
    match, the desk must check ID rather than take a possibly denied person for a walk-in.
    `unsearched_photos` counts photos indexed by another face model: an unknown then may be
    someone whose photos wait for `manage.py reindex`, and the desk should be told so."""
    if not face_found:
        return Verdict(Decision.NO_FACE, "no usable face in the image")
    if person is None and near_denied is not None:
        why = near_denied.denied_reason or "on the deny list"
        return Verdict(
            Decision.POSSIBLE_DENIED,
            f"check ID: possible match to a person on the deny list ({why})",
        )
    if person is None and unsearched_photos:
        photos = "1 photo was" if unsearched_photos == 1 else f"{unsearched_photos} photos were"
        return Verdict(
            Decision.UNKNOWN,
            f"no enrolled person matches, but {photos} indexed by another face model and "
            "not searched until `manage.py reindex` runs",
        )
    if person is None:
        return Verdict(Decision.UNKNOWN, "no enrolled person matches")
    if person.denied:
        return Verdict(Decision.DENIED, person.denied_reason or "on the deny list")
    if isinstance(person, Employee):
        if not person.active:
            return Verdict(Decision.DENIED, "employee is no longer active")
        return Verdict(Decision.EMPLOYEE, "")
    if isinstance(person, Visitor):
        if person.status == Visitor.Status.CANCELLED:
            return Verdict(Decision.VISITOR_OUTSIDE_WINDOW, "the visit was cancelled")
        if person.visit_start <= now <= person.visit_end:
            return Verdict(Decision.VISITOR, "")
        when = "has not started yet" if now < person.visit_start else "has ended"
        return Verdict(Decision.VISITOR_OUTSIDE_WINDOW, f"the visit window {when}")
    raise TypeError(f"{person!r} is neither an employee nor a visitor")
