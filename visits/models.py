"""Visits: a visitor's stay on site, from the invitation to the check-out. A returning visitor
keeps one Person (and one face) and has a Visit per stay."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Visit(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        EXPECTED = "expected", "Expected"
        CHECKED_IN = "checked_in", "Checked in"
        CHECKED_OUT = "checked_out", "Checked out"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No show"

    # None once the visitor is erased: the visit stays, for the counts.
    visitor = models.ForeignKey(
        "accounts.Visitor", null=True, on_delete=models.SET_NULL, related_name="visits"
    )
    host = models.ForeignKey(
        "accounts.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_visits",
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField(db_index=True)
    purpose = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.EXPECTED, db_index=True
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_in_by_name = models.CharField(max_length=150, blank=True)
    # The verification that checked them in (none when the desk checked them in by hand).
    check_in_verification = models.ForeignKey(
        "recognition.Verification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_out_at = models.DateTimeField(null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who checked them out; "automatic" when the overdue sweep did.
    checked_out_by_name = models.CharField(max_length=150, blank=True)
    badge_number = models.CharField(max_length=20, blank=True, db_index=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    # When the visitor used their invitation link to enrol (the link works once).
    self_enrolled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["visitor", "starts_at"], name="visit_visitor_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="visit_ends_after_it_starts",
                violation_error_message="The visit must end after it starts.",
            )
        ]

    def __str__(self) -> str:
        who = self.visitor or "an erased visitor"
        return f"Visit of {who} on {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def covers(self, moment) -> bool:
        return self.starts_at <= moment <= self.ends_at
