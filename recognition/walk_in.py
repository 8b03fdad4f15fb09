"""Register a walk-in: the person the front desk just verified as unknown becomes a visitor, with
the verification's probe as their first photo.

A module of its own, beside `services.py`, because it is one write with its own rules (consent
given at the desk, one registration per probe) and `services.py` is long enough already.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Employee, FacePhoto, Visitor
from accounts.services import photo_enroll, visitor_create
from recognition.models import Verification
from visits.services import visit_check_in, visit_create

NO_CONSENT = "The visitor must consent to their face being recorded."


def walk_in_register(
    *,
    verification: Verification,
    name: str,
    company: str = "",
    host: Employee | None = None,
    until: datetime,
    consent: bool,
    registered_by: AbstractBaseUser,
) -> Visitor:
    """Register the unknown person of `verification` as a visitor, with their consent as given
    at the desk, enrol the probe as their first photo (indexed once the transaction commits),
    and check them in to a visit from now to `until` (the host is told). All or nothing.

    Raises `ValidationError`, by field, when the verification is not an unknown answer whose
    probe is still kept, when consent is not given, when `until` is not in the future, or when
    a walk-in was already registered from this probe.
    """
    now = timezone.now()
    with transaction.atomic():
        # Locked: two clicks on one answer register one visitor (PostgreSQL; SQLite serialises).
        verification = Verification.objects.select_for_update().get(pk=verification.pk)
        probe = _walk_in_probe(verification)
        errors = {}
        if consent is not True:
            errors["consent"] = NO_CONSENT
        if until <= now:
            errors["until"] = "The visit must end in the future."
        if errors:
            raise ValidationError(errors)
        visitor = visitor_create(
            name=name,
            company=company,
            consent_recorded_by=f"the visitor, at the front desk ({registered_by.get_username()})",
            consent_recorded_at=now,
        )
        photo_enroll(person=visitor, upload=probe)
        visit = visit_create(
            visitor=visitor, starts_at=now, ends_at=until, host=host, created_by=registered_by
        )
        visit_check_in(visit=visit, by=registered_by, verification_id=verification.pk, now=now)
    return visitor


def _walk_in_probe(verification: Verification) -> bytes:
    """The probe's bytes, or `ValidationError` when it may not become a walk-in's photo."""
    if verification.decision != Verification.Decision.UNKNOWN:
        raise ValidationError(
            {"verification": "Only a person the answer called unknown can be registered here."}
        )
    if not verification.probe_image:
        raise ValidationError(
            {"verification": "The photo is no longer kept (retention period): take a new one."}
        )
    with verification.probe_image.open("rb") as stored:
        probe = stored.read()
    if FacePhoto.objects.filter(content_sha256=hashlib.sha256(probe).hexdigest()).exists():
        raise ValidationError({"verification": "A walk-in was already registered from this photo."})
    return probe
