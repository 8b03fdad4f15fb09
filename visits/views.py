"""Pages of visits: the badge, check-out from the on-site list, the page an invitation link
opens (no login: the signed link is the key), and the visits list and planning form."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Employee, Visitor
from accounts.roles import STAFF, VISIT_PLANNERS, has_role
from accounts.selectors import employees_list, photo_for_display, visitor_returning
from visits import invitations, selectors, services
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
    _act(request, services.visit_check_out, visit, f"{visit.visitor} is checked out.")
    return redirect("on-site")


def _act(request: HttpRequest, action, visit: Visit, done: str) -> None:
    """Run a button's service on the visit, saying what it did, or why it was refused."""
    try:
        action(visit=visit, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)


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


# --- the visits list and planning (admins, the front desk, hosts) -----------------------------
UPCOMING_DAYS = 7  # the list shows today and this many days after it
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _planner(request: HttpRequest) -> Employee | None:
    """The employee a host-only user is (`selectors.host_limited_to`), None for admins and the
    front desk; 403 for other roles."""
    if not has_role(request.user, *VISIT_PLANNERS):
        raise PermissionDenied("Visits are for admins, front-desk staff and hosts.")
    return selectors.host_limited_to(request.user)


class DayForm(forms.Form):
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _list_url(day: date | None = None) -> str:
    return reverse("visits") + (f"?day={day.isoformat()}" if day else "")


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    """Today's and the coming days' visits (or one `?day=`), a host's own only, with buttons to
    cancel or invite those still to come."""
    host = _planner(request)
    day_form = DayForm(request.GET)
    day = day_form.cleaned_data["day"] if day_form.is_valid() else None
    since = timezone.make_aware(datetime.combine(day or timezone.localdate(), time.min))
    until = since + timedelta(days=1 if day else UPCOMING_DAYS + 1)
    visits = list(
        selectors.visits_list(host_id=host.pk if host else None, since=since, until=until).order_by(
            "starts_at", "id"
        )
    )
    now = timezone.now()
    for visit in visits:
        visit.still_to_come = visit.status in services.PLANNED and visit.ends_at > now
    context = {
        "visits": visits,
        "day": day,
        "day_form": day_form,
        "since": since,
        "last_day": (until - timedelta(days=1)).date(),
        "upcoming_days": UPCOMING_DAYS,
        "can_open_badges": has_role(request.user, *STAFF),
    }
    return render(request, "visits/list.html", context)


class VisitPlanForm(forms.Form):
    """A visit to plan: for the registered visitor with this email address, else for a visitor
    registered now. A host-only user's host is themselves, and cannot be changed."""

    name = forms.CharField(label="Visitor's name", max_length=200, required=False)
    email = forms.EmailField(
        label="Email",
        required=False,
        help_text="If a registered visitor has this address, the visit is theirs.",
    )
    company = forms.CharField(max_length=200, required=False)
    host = forms.ModelChoiceField(
        queryset=Employee.objects.none(),
        required=False,
        empty_label="No host",
        error_messages={"invalid_choice": "Choose an active employee."},
    )
    starts_at = forms.DateTimeField(label="Starts at", widget=LOCAL_DATETIME)
    ends_at = forms.DateTimeField(label="Ends at", widget=LOCAL_DATETIME)
    purpose = forms.CharField(max_length=200, required=False)
    invite = forms.BooleanField(
        label="Email an invitation",
        required=False,
        help_text="A link to enrol their face before they come (their choice).",
    )

    def __init__(self, *args, host: Employee | None = None, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.visitor: Visitor | None = None
        field = self.fields["host"]
        if host is None:
            field.queryset = employees_list(active=True)
        else:
            field.queryset = Employee.objects.filter(pk=host.pk)
            field.initial, field.empty_label = host, None
            field.disabled = field.required = True

    def clean(self) -> dict:
        data = super().clean()
        email = data.get("email", "")
        self.visitor = visitor_returning(email=email)
        if self.visitor is None and not data.get("name"):
            self.add_error("name", "Give the visitor's name (or a registered visitor's email).")
        if data.get("invite") and "email" in data and not email:
            self.add_error("email", "Give the visitor's email address to invite them.")
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The visit must end after it starts.")
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """The errors `visit_plan` raised, by field where the form has it (a visitor's error
        is the email's: it is the address the invitation needs)."""
        errors = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
        for field, field_errors in errors.items():
            field = "email" if field == "visitor" else field
            self.add_error(field if field in self.fields else None, field_errors)


def _next_hour() -> datetime:
    return timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@login_required
@require_http_methods(["GET", "POST"])
def visit_plan(request: HttpRequest) -> HttpResponse:
    """Plan a visit (and invite the visitor): `visits.invitations.visit_plan`, all or nothing."""
    host = _planner(request)
    start = _next_hour()
    form = VisitPlanForm(
        request.POST if request.method == "POST" else None,
        host=host,
        initial={"starts_at": start, "ends_at": start + timedelta(hours=2)},
    )
    if form.is_valid():
        data = form.cleaned_data
        new_visitor = {key: data[key] for key in ("name", "email", "company")}
        try:
            visit = invitations.visit_plan(
                visitor=form.visitor,
                new_visitor=None if form.visitor else new_visitor,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                host=data["host"],
                purpose=data["purpose"],
                invite=data["invite"],
                created_by=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            invited = (
                f"; an invitation is emailed to {visit.visitor.email}" if data["invite"] else ""
            )
            when = formats.date_format(timezone.localtime(visit.starts_at), "D j M Y, H:i")
            messages.success(request, f"Visit of {visit.visitor} planned for {when}{invited}.")
            start_day = timezone.localdate(visit.starts_at)
            today = timezone.localdate()
            upcoming = today <= start_day <= today + timedelta(days=UPCOMING_DAYS)
            return redirect(_list_url(None if upcoming else start_day))
    return render(request, "visits/plan.html", {"form": form, "host": host})


def _visit_to_act_on(request: HttpRequest, pk: int) -> Visit:
    host = _planner(request)
    visits = selectors.visits_list(host_id=host.pk if host else None)
    return get_object_or_404(visits, pk=pk)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """To the list the button was pressed on (its `day`, when it showed one)."""
    day_form = DayForm(request.POST)
    return redirect(_list_url(day_form.cleaned_data["day"] if day_form.is_valid() else None))


@login_required
@require_POST
def visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_to_act_on(request, pk)
    who = visit.visitor or "an erased visitor"
    _act(request, services.visit_cancel, visit, f"The visit of {who} is cancelled.")
    return _back_to_list(request)


@login_required
@require_POST
def visit_send_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_to_act_on(request, pk)
    email = visit.visitor.email if visit.visitor else ""
    _act(request, invitations.visit_invite, visit, f"An invitation is emailed to {email}.")
    return _back_to_list(request)
