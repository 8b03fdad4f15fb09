"""Pages of visits: the badge, check-out from the on-site list, and the page an invitation link
opens (no login: the signed link is the key)."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import STAFF, has_role
from accounts.selectors import photo_for_display
from visits import invitations, services
from visits.models import Visit


def _staff_only(request: HttpRequest, what: str) -> None:
    if not has_role(request.user, *STAFF):
        raise PermissionDenied(f"{what} is for front-desk staff and admins.")


@login_required
@require_GET
def badge(request: HttpRequest, pk: int) -> HttpResponse:
    """The visitor's badge, to print (A6, or a label of that shape): photo, name, company, host,
    valid until, and a QR code of the visit's address in the API."""
    _staff_only(request, "A badge")
    visit = get_object_or_404(Visit.objects.select_related("visitor", "host"), pk=pk)
    if visit.status != Visit.Status.CHECKED_IN or visit.visitor is None:
        raise PermissionDenied("A badge is printed for a checked-in visitor only.")
    address = f"{settings.IMAGESIFT_PUBLIC_URL}{reverse('visit-detail', args=[visit.pk])}"
    qr_svg = segno.make(address, error="m").svg_inline(scale=4, border=2, dark="#000")
    photo = photo_for_display(visit.visitor)
    context = {
        "visit": visit,
        "qr_svg": mark_safe(qr_svg),  # drawn by segno from our own URL
        "photo_url": reverse("photo-image", args=[photo.pk]) if photo else None,
    }
    return render(request, "visits/badge.html", context)


@login_required
@require_POST
def check_out(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a visitor out from the on-site list."""
    _staff_only(request, "Checking out")
    visit = get_object_or_404(Visit.objects.select_related("visitor"), pk=pk)
    try:
        services.visit_check_out(visit=visit, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{visit.visitor} is checked out.")
    return redirect("on-site")


@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: the privacy notice, the visitor's consent, then a
    selfie or an upload, checked at once (static/visits/enrol.js calls the invitation API)."""
    try:
        visit = invitations.invitation_open(token)
    except invitations.InvitationRefused as refusal:
        context = {"refusal": refusal}
        return render(request, "visits/invitation_refused.html", context, status=refusal.status)
    context = {
        "visit": visit,
        "token": token,
        "notice_version": settings.IMAGESIFT_PRIVACY_NOTICE_VERSION,
        "enrol_url": reverse("invitation-enrolment", args=[token]),
        # The retention periods the privacy notice states (0: kept until removed by hand).
        "face_retention_days": settings.IMAGESIFT_VISITOR_FACE_RETENTION_DAYS,
        "retention_days": settings.IMAGESIFT_VISITOR_RETENTION_DAYS,
    }
    return render(request, "visits/invitation.html", context)
