"""What a match means at the door: the decision rules, free of I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone

from accounts.models import Employee, Person, Visitor
from recognition.models import Verification
from visits.models import Visit
from visits.selectors import visit_covering

Decision = Verification.Decision


@dataclass(frozen=True)
class Verdict:
    """What the door says: the decision, and why when it is not a plain yes."""

    decision: str
    reason: str
    visit: Visit | None = None  # the visitor's visit the decision was judged by


ADMITTED = {Decision.EMPLOYEE, Decision.VISITOR}
Status = Visit.Status
ACTIVE = (Status.INVITED, Status.EXPECTED, Status.CHECKED_IN)  # a visit that admits


def decide(
    person: Person | None,
    *,
    face_found: bool,
    now: datetime,
    visits: Sequence[Visit] = (),
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
        visits=visits,
        near_denied=near_denied,
        unsearched_photos=unsearched_photos,
    )
    if liveness_refusal and verdict.decision in ADMITTED:
        return Verdict(Decision.LIVENESS_FAILED, liveness_refusal, verdict.visit)
    return verdict


def _decide_match(
    person: Person | None,
    *,
    face_found: bool,
    now: datetime,
    visits: Sequence[Visit],
    near_denied: Person | None,
    unsearched_photos: int,
) -> Verdict:
    """The decision for a probe whose best match above the threshold is `person` (or none).

    `near_denied` is a person on the deny list the probe is near without matching: with no
    match, the desk must check ID rather than take a possibly denied person for a walk-in.
    `unsearched_photos` counts photos indexed by another face model: an unknown then may be
    someone whose photos wait for `manage.py reindex`, and the desk should be told so.
    `visits` are the matched visitor's (`visits.selectors.visits_at_door`)."""
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
        return _decide_visit(visits, now)
    raise TypeError(f"{person!r} is neither an employee nor a visitor")


def _decide_visit(visits: Sequence[Visit], now: datetime) -> Verdict:
    """A visitor is admitted inside a visit that covers now and is planned or under way.

    Otherwise the headline says why: the visit covering now was cancelled (or nobody came and
    it was closed), or they were checked out of it (coming back is not silent: the desk checks
    and plans a new visit); with no visit covering now, the next one or the last one is named.
    """
    visit = visit_covering(visits, now)
    if visit is not None and visit.status in ACTIVE:
        return Verdict(Decision.VISITOR, "", visit)
    if visit is not None and visit.status == Status.CHECKED_OUT:
        return Verdict(
            Decision.VISITOR_CHECKED_OUT,
            f"checked out of this visit at {_when(visit.checked_out_at)}",
            visit,
        )
    if visit is not None:  # cancelled, or closed as a no-show
        why = "cancelled" if visit.status == Status.CANCELLED else "closed as a no-show"
        return Verdict(Decision.VISIT_CANCELLED, f"the visit was {why}", visit)
    upcoming = sorted(
        (v for v in visits if v.starts_at > now and v.status in ACTIVE),
        key=lambda v: v.starts_at,
    )
    if upcoming:
        return Verdict(
            Decision.VISITOR_OUTSIDE_WINDOW,
            f"the visit window has not started yet: it starts {_when(upcoming[0].starts_at)}",
            upcoming[0],
        )
    ended = sorted((v for v in visits if v.ends_at < now), key=lambda v: v.ends_at)
    if ended:
        return Verdict(
            Decision.VISITOR_OUTSIDE_WINDOW,
            f"the visit window has ended: the last visit ended {_when(ended[-1].ends_at)}",
            ended[-1],
        )
    return Verdict(Decision.VISITOR_OUTSIDE_WINDOW, "no visit is planned for this visitor")


def _when(moment: datetime | None) -> str:
    """A moment as the desk reads it, in the site's time zone: "6 Dec 2026 09:00"."""
    if moment is None:
        return "an unknown time"
    return formats.date_format(timezone.localtime(moment), "j M Y H:i")
