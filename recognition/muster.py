"""Writes of the evacuation roll call: start a muster, end it. Who is accounted for is read by
`selectors.on_site`; the verifications at the muster point are ordinary ones."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from recognition.models import Muster


def muster_start(*, started_by: AbstractBaseUser | None) -> Muster:
    """Start a muster, or return the active one: one is active at a time (the database holds
    to it too, so two staff pressing Start at once get the same muster)."""
    active = Muster.objects.filter(ended_at__isnull=True).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            return Muster.objects.create(
                started_by=started_by,
                started_by_name=started_by.get_username() if started_by else "",
            )
    except IntegrityError:
        return Muster.objects.get(ended_at__isnull=True)


def muster_end(*, muster: Muster, ended_by: AbstractBaseUser | None) -> Muster:
    """End a muster (ending an ended one changes nothing)."""
    with transaction.atomic():
        Muster.objects.filter(pk=muster.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_by_name=ended_by.get_username() if ended_by else ""
        )
    muster.refresh_from_db()
    return muster
