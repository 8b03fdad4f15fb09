"""Invitations: the visitor is emailed a signed link that lets them, without an account, read
the privacy notice, give their own consent and enrol their face, once, until the visit ends.

The link holds the visit's id signed with the site's secret (Django's signing), so it cannot be
made up or altered; it dies when the visit ends or is cancelled, and after one enrolment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone

from accounts.collection import face_quality_check
from accounts.models import Employee, FacePhoto, Visitor
from accounts.services import person_update, photo_enroll, visitor_create
from notifications.events import Event
from notifications.services import email_personal, notify
from vision.images import prepare_image
from visits.models import Visit
from visits.services import PLANNED, user_name, visit_create, visit_event_data

SALT = "visits.invitation"


@dataclass(frozen=True)
class InvitationRefused(Exception):
    """Why a link opens nothing: a stable `code`, words for the visitor, and the HTTP status."""

    code: str
    message: str
    status: int


def invitation_token(visit: Visit) -> str:
    return signing.dumps({"visit": visit.pk}, salt=SALT)


def invitation_url(visit: Visit) -> str:
    """The link the visitor is emailed: on IMAGESIFT_PUBLIC_URL."""
    path = reverse("invitation", args=[invitation_token(visit)])
    return f"{settings.IMAGESIFT_PUBLIC_URL}{path}"


def visit_plan(
    *,
    visitor: Visitor | None = None,
    new_visitor: dict | None = None,
    starts_at: datetime,
    ends_at: datetime,
    host: Employee | None = None,
    purpose: str = "",
    invite: bool = False,
    created_by: AbstractBaseUser | None = None,
) -> Visit:
    """Plan a visit for `visitor`, or for a visitor registered now from `new_visitor` (name,
    email, company), and with `invite` email them their invitation. All or nothing."""
    with transaction.atomic():
        if visitor is None:
            visitor = visitor_create(**(new_visitor or {}))
        visit = visit_create(
            visitor=visitor,
            starts_at=starts_at,
            ends_at=ends_at,
            host=host,
            purpose=purpose,
            created_by=created_by,
        )
        if invite:
            visit_invite(visit=visit, by=created_by)
    return visit


def visit_invite(*, visit: Visit, by: AbstractBaseUser | None = None) -> Visit:
    """Email the visitor their invitation (again, if it was sent before) and announce
    `visit.invited`. Raises `ValidationError` when the visitor has no email address, the visit
    is not one still to come, or its link was used already (it works once)."""
    visitor = visit.visitor
    if visitor is None or not visitor.email:
        raise ValidationError({"visitor": "The visitor has no email address to invite."})
    if visit.status not in PLANNED or visit.ends_at <= timezone.now():
        raise ValidationError({"status": "Only a visit still to come can be invited."})
    if visit.self_enrolled_at is not None:
        raise ValidationError(
            {"status": "The visitor already enrolled through this visit's invitation."}
        )
    with transaction.atomic():
        Visit.objects.filter(pk=visit.pk, status__in=PLANNED).update(
            status=Visit.Status.INVITED, invited_at=timezone.now()
        )
        visit.refresh_from_db()
        email_personal(
            Event.VISIT_INVITED,
            recipient=visitor.email,
            subject=_subject(visit),
            text=_invitation_text(visit),
        )
        notify(Event.VISIT_INVITED, visit_event_data(visit, by=user_name(by)))
    return visit


def _subject(visit: Visit) -> str:
    host = f" with {visit.host.name}" if visit.host else ""
    return f"Your visit{host} on {_day(visit)}"


def _day(visit: Visit) -> str:
    return formats.date_format(timezone.localtime(visit.starts_at), "l j F Y, H:i")


def _invitation_text(visit: Visit) -> str:
    host = f" to see {visit.host.name}" if visit.host else ""
    return "\n".join(
        [
            f"Hello {visit.visitor.name},",
            "",
            f"You are expected on {_day(visit)}{host}.",
            "",
            "To walk in without waiting at reception, you may enrol your face before you come:",
            invitation_url(visit),
            "",
            "The page explains how your photo is used and asks for your consent first; it is "
            "your choice, and reception can check you in without it.",
            "The link works once, until your visit ends.",
        ]
    )


def invitation_open(token: str) -> Visit:
    """The visit a link is for, or `InvitationRefused`: tampered with (400), its visit over or
    cancelled (410), or already used (409)."""
    try:
        visit_id = signing.loads(token, salt=SALT)["visit"]
    except (signing.BadSignature, KeyError, TypeError):
        raise InvitationRefused(
            "invitation_invalid", "This invitation link is not valid: check the link.", 400
        ) from None
    visit = Visit.objects.select_related("visitor", "host").filter(pk=visit_id).first()
    if visit is None or visit.visitor is None:
        raise InvitationRefused("invitation_expired", "This invitation no longer exists.", 410)
    if visit.status not in PLANNED or visit.ends_at <= timezone.now():
        raise InvitationRefused(
            "invitation_expired",
            "This invitation has expired: the visit is over or was cancelled.",
            410,
        )
    if visit.self_enrolled_at is not None:
        raise InvitationRefused(
            "invitation_used",
            "Your photo was already taken through this link; reception can take a new one.",
            409,
        )
    return visit


def invitation_enrol(*, token: str, consent: bool, upload: IO[bytes] | bytes) -> FacePhoto:
    """The visitor's own enrolment through their link: consent (theirs, dated, with the privacy
    notice's version), then the photo, checked at once so that a poor one can be retaken
    (`FaceRejected`, nothing written) and indexed once it commits. All or nothing, and once.

    Raises `InvitationRefused`, `ValidationError` (no consent), `ImageRejected` or
    `FaceRejected`."""
    visit = invitation_open(token)
    if consent is not True:
        raise ValidationError({"consent": "Tick the box to give your consent first."})
    image = prepare_image(upload)
    face_quality_check(image)
    now = timezone.now()
    with transaction.atomic():
        used = Visit.objects.filter(pk=visit.pk, self_enrolled_at__isnull=True).update(
            self_enrolled_at=now,
            status=Visit.Status.EXPECTED if visit.status == Visit.Status.INVITED else visit.status,
        )
        if not used:  # a second request with the same link, at the same time
            invitation_open(token)
        visitor = visit.visitor
        person_update(
            person=visitor,
            data={
                "consent_recorded_by": "the visitor, through their invitation",
                "consent_recorded_at": now,
                "consent_notice_version": settings.IMAGESIFT_PRIVACY_NOTICE_VERSION,
            },
        )
        return photo_enroll(person=visitor, upload=image.content)
