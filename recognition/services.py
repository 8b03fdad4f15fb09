"""Writes of the recognition app: verifying faces into the audit log, and purging old probes."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.collection import face_collection
from accounts.models import Person, Visitor
from accounts.selectors import (
    people_by_keys,
    photos_needing_reindex,
)
from accounts.services import photo_enroll
from notifications.events import Event
from notifications.services import notify
from recognition.decisions import decide
from recognition.models import DecisionFeedback, Verification
from vision import liveness
from vision.errors import ImageRejected
from vision.faces.base import FaceCollection
from vision.images import PreparedImage, prepare_image
from vision.liveness import Liveness, LivenessResult
from visits.models import Visit
from visits.selectors import visits_at_door
from visits.services import PLANNED, visit_check_in


def verification_perform(
    *,
    upload: IO[bytes] | bytes | None = None,
    frames: Sequence[IO[bytes] | bytes] = (),
    channel: str,
    operator: AbstractBaseUser | None = None,
    liveness_policy: str | None = None,
) -> Verification:
    """Decide who is in the image and record the verification in the audit log. With `frames`
    (a burst of the head turning), liveness is checked too; the probe is then `upload`, or the
    burst's middle frame. `liveness_policy` (off, advisory or required) overrides
    IMAGESIFT_LIVENESS for this verification: the kiosk requires it where the desk may not.

    Raises `ImageRejected` for unusable uploads (nothing is recorded then).
    """
    policy = liveness_policy or settings.IMAGESIFT_LIVENESS
    if policy not in settings.IMAGESIFT_LIVENESS_POLICIES:
        choices = ", ".join(settings.IMAGESIFT_LIVENESS_POLICIES)
        raise ValueError(f"liveness_policy: one of {choices}, not {policy!r}")
    started = time.perf_counter()
    burst = [_frame(number, frame) for number, frame in enumerate(frames, start=1)]
    image = prepare_image(upload) if upload is not None else burst[len(burst) // 2]
    live = _liveness(burst, policy)
    collection = face_collection()
    search = collection.search_face(
        image,
        threshold=collection.match_threshold,
        near_threshold=collection.deny_list_threshold,
    )
    people = people_by_keys(match.person_key for match in (*search.matches, *search.near))
    match = next((match for match in search.matches if match.person_key in people), None)
    person = people[match.person_key] if match else None
    if person is None:  # then the nearest person on the deny list, if any is near
        denied = (m for m in search.near if m.person_key in people and people[m.person_key].denied)
        match = next(denied, None)
    near_denied = people[match.person_key] if match and not person else None
    face_found = search.face is not None
    unsearched_photos = (
        photos_needing_reindex(collection.model_key).count()
        if face_found and not person and not near_denied
        else 0
    )
    now = timezone.now()
    verdict = decide(
        person,
        face_found=face_found,
        now=now,
        visits=visits_at_door([person.pk], now).get(person.pk, [])
        if isinstance(person, Visitor)
        else (),
        near_denied=near_denied,
        unsearched_photos=unsearched_photos,
        liveness_refusal=_liveness_refusal(live, policy),
    )
    return verification_record(
        image=image,
        collection=collection,
        channel=channel,
        operator=operator,
        decision=verdict.decision,
        reason=verdict.reason,
        person=person or near_denied,
        visit=verdict.visit,
        similarity=match.similarity if match else None,
        face_box=search.face.box.as_dict() if search.face else None,
        faces_seen=search.faces_seen,
        duration_ms=(time.perf_counter() - started) * 1000,
        live=live,
    )


def _frame(number: int, frame: IO[bytes] | bytes) -> PreparedImage:
    try:
        return prepare_image(frame)
    except ImageRejected as rejected:
        message = f"frame {number}: {rejected.message}"
        raise ImageRejected(rejected.code, message, rejected.status) from None


def _liveness(burst: list[PreparedImage], policy: str) -> LivenessResult:
    """The burst's liveness; not checked when switched off, without frames, or where the local
    models are not installed (a Rekognition-only deployment)."""
    if policy == "off" or not burst or not liveness.available():
        return LivenessResult(Liveness.NOT_CHECKED, frames=len(burst))
    return liveness.check_burst([frame.pixels for frame in burst])


def _liveness_refusal(live: LivenessResult, policy: str) -> str:
    """Why nobody may be admitted on this verification, when liveness is required."""
    if policy != "required" or live.status == Liveness.PASSED:
        return ""
    why = live.reason or "no burst of frames was sent"
    return f"liveness check required: {why}"


def verification_record(
    *,
    image: PreparedImage,
    collection: FaceCollection,
    channel: str,
    operator: AbstractBaseUser | None,
    decision: str,
    reason: str,
    person: Person | None,
    similarity: float | None,
    face_box: dict | None,
    faces_seen: int,
    duration_ms: float,
    live: LivenessResult | None = None,
    visit: Visit | None = None,
) -> Verification:
    """Append a verification to the audit log, keeping the probe for the retention period, and
    what the match was judged by: the collection's engine, face model and threshold. With
    IMAGESIFT_AUTO_CHECK_IN, an admitted visitor's planned visit is checked in by it."""
    now = timezone.now()
    signed_in, signed_in_name = _signed_in(operator)
    verification = Verification(
        created_at=now,
        channel=channel,
        operator=signed_in,
        operator_name=signed_in_name,
        decision=decision,
        reason=reason,
        person=person,
        person_name=person.name if person else "",
        visit=visit,
        similarity=similarity,
        face_box=face_box,
        faces_seen=faces_seen,
        engine=collection.name,
        match_threshold=collection.match_threshold,
        face_model=collection.model_name[:200],
        duration_ms=round(duration_ms, 1),
    )
    if live is not None:
        verification.liveness = str(live.status)
        verification.liveness_reason = live.reason
        verification.liveness_parallax = live.parallax
    retention_days = settings.IMAGESIFT_PROBE_RETENTION_DAYS
    if retention_days > 0:
        verification.probe_expires_at = now + timedelta(days=retention_days)
        verification.probe_image.save(
            f"probe{image.extension}", ContentFile(image.content), save=False
        )
    try:
        with transaction.atomic():
            verification.save()
            _announce(verification)
            if _checks_in(verification):
                visit_check_in(visit=visit, by=operator, verification_id=verification.pk, now=now)
    except Exception:
        verification.probe_image.delete(save=False)
        raise
    return verification


def _checks_in(verification: Verification) -> bool:
    """Whether this verification checks its visit in by itself (IMAGESIFT_AUTO_CHECK_IN)."""
    return (
        settings.IMAGESIFT_AUTO_CHECK_IN
        and verification.decision == Verification.Decision.VISITOR
        and verification.visit is not None
        and verification.visit.status in PLANNED
    )


# Where a verification came from, in an alert's words.
CHANNEL_WORDS = {
    Verification.Channel.UI: "at the front desk",
    Verification.Channel.KIOSK: "at the kiosk",
    Verification.Channel.API: "through the API",
    Verification.Channel.CLI: "from the command line",
}


def _announce(verification: Verification) -> None:
    """`verification.denied` for a denied or possibly denied person (also emailed to
    IMAGESIFT_SECURITY_EMAILS); `verification.unknown` for endpoints that ask for it."""
    Decision = Verification.Decision
    if verification.decision in (Decision.DENIED, Decision.POSSIBLE_DENIED):
        event, emails = Event.VERIFICATION_DENIED, settings.IMAGESIFT_SECURITY_EMAILS
    elif verification.decision == Decision.UNKNOWN:
        event, emails = Event.VERIFICATION_UNKNOWN, []
    else:
        return
    person = verification.person
    where = CHANNEL_WORDS.get(verification.channel, "")
    who = f"{verification.person_name} " if verification.person_name else ""
    notify(
        event,
        {
            "summary": f"{verification.get_decision_display()}: {who}{where} "
            f"({verification.reason})".replace(" ()", ""),
            "verification": verification.pk,
            "decision": verification.decision,
            "reason": verification.reason,
            "person": (
                {"id": person.pk, "kind": person.kind, "name": person.name} if person else None
            ),
            "similarity": verification.similarity,
            "channel": verification.channel,
            "operator": verification.operator_name,
            "created_at": verification.created_at.isoformat(),
            "probe_url": (
                reverse("verification-probe", args=[verification.pk])
                if verification.probe_image
                else None
            ),
        },
        emails=emails,
    )


def _signed_in(user: AbstractBaseUser | None) -> tuple[AbstractBaseUser | None, str]:
    """Who a record names: the signed-in user and their name (kept if the user goes)."""
    if user is None or not user.is_authenticated:
        return None, ""
    return user, user.get_username()


def verification_probes_purge(*, now=None) -> int:
    """Delete probe images whose retention period is over; the log rows stay. Returns a count."""
    now = now or timezone.now()
    expired = Verification.objects.filter(probe_expires_at__lte=now).exclude(probe_image="")
    purged = 0
    for verification in expired.iterator():
        verification.probe_image.delete(save=False)
        Verification.objects.filter(pk=verification.pk).update(
            probe_image="", probe_expires_at=None
        )
        purged += 1
    return purged


def feedback_record(
    *,
    verification: Verification,
    verdict: str,
    author: AbstractBaseUser,
    note: str = "",
    right_person: Person | None = None,
    enrol_probe: bool = False,
) -> DecisionFeedback:
    """Mark a past decision, leaving the audit row as it was. A missed match names the person
    it should have matched and may enrol the probe as their photo (consent needed; the photo
    then goes through the same checks and indexing as any enrolment).

    Raises `ValidationError` (nothing written) for a mark that does not hold together.
    """
    feedback_check(
        verification=verification,
        verdict=verdict,
        right_person=right_person,
        enrol_probe=enrol_probe,
    )
    with transaction.atomic():
        photo = None
        if enrol_probe:
            with verification.probe_image.open("rb") as probe:
                photo = photo_enroll(person=right_person, upload=probe.read())
        signed_in, signed_in_name = _signed_in(author)
        return DecisionFeedback.objects.create(
            verification=verification,
            verdict=verdict,
            right_person=right_person,
            right_person_name=right_person.name if right_person else "",
            enrolled_photo=photo,
            note=note,
            author=signed_in,
            author_name=signed_in_name,
        )


def feedback_check(
    *,
    verification: Verification,
    verdict: str,
    right_person: Person | None,
    enrol_probe: bool,
) -> None:
    """Raise `ValidationError`, by field, unless the mark holds together (the admin's form asks
    before saving)."""
    missed = verdict == DecisionFeedback.Verdict.MISSED
    if missed and right_person is None:
        raise ValidationError({"right_person": "A missed match names who it should have matched."})
    if not missed and (right_person is not None or enrol_probe):
        raise ValidationError({"right_person": "Only a missed match names a person."})
    if enrol_probe and not verification.probe_image:
        raise ValidationError(
            {"enrol_probe": "The probe image is no longer kept (retention period)."}
        )
    if enrol_probe and not right_person.has_consent:
        raise ValidationError(
            {"enrol_probe": f"No consent is recorded for {right_person.name}: record it first."}
        )
