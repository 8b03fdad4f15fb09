"""Server-rendered pages: the front desk, the unattended kiosk, who is on site (with the
evacuation roll call), and the health check."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import STAFF, VISITOR_MANAGERS, has_role
from accounts.selectors import employees_list
from recognition import muster, selectors, services
from recognition.decisions import ADMITTED
from recognition.models import Verification
from vision import liveness
from vision.errors import EngineUnavailable, ImageRejected

Decision = Verification.Decision

# What the front desk reads on screen for each decision: plain words, and a shout for denials.
DECISION_WORDS = {
    Decision.EMPLOYEE: "Employee",
    Decision.VISITOR: "Registered visitor",
    Decision.VISITOR_OUTSIDE_WINDOW: "Visitor outside visit window",
    Decision.VISIT_CANCELLED: "Visit cancelled",
    Decision.VISITOR_CHECKED_OUT: "Visitor already checked out",
    Decision.DENIED: "DENIED",
    Decision.POSSIBLE_DENIED: "CHECK ID",
    Decision.LIVENESS_FAILED: "NOT ADMITTED: LIVENESS",
    Decision.UNKNOWN: "Unknown person",
    Decision.NO_FACE: "No usable face",
}


@login_required
@ensure_csrf_cookie  # the page's script sends the cookie's token back with each verification
def frontdesk(request: HttpRequest) -> HttpResponse:
    """Verify a visitor by webcam or upload; shows the day's recent decisions."""
    if not has_role(request.user, *STAFF):
        raise PermissionDenied("The front desk is for front-desk staff and admins.")
    recent = [
        {"verification": verification, "words": DECISION_WORDS[verification.decision]}
        for verification in selectors.verifications_for_day()
    ]
    context = {
        "recent": recent,
        "decision_words": {str(k): v for k, v in DECISION_WORDS.items()},
        "liveness": settings.IMAGESIFT_LIVENESS,
        # Who may host a walk-in registered from an unknown answer.
        "walk_in_hosts": (
            employees_list(active=True).order_by("name")
            if has_role(request.user, *VISITOR_MANAGERS)
            else None
        ),
    }
    return render(request, "frontdesk/index.html", context)


# --- the kiosk: a tablet at the door, nobody watching it -----------------------------------------
# What the person at the door reads. One answer for denied, possibly denied, unknown and outside
# the visit window: a kiosk must never tell anyone that they are on the deny list.
SEE_RECEPTION = "Please see reception"
KIOSK_REFUSALS = {
    Decision.NO_FACE: "We could not see a face: please look at the camera and try again, "
    "or see reception.",
    Decision.LIVENESS_FAILED: "We could not confirm a live face: please look at the camera and "
    "turn your head slowly, or see reception.",
    "see_reception": "Reception will help you from here.",
}


class _FramesInput(forms.FileInput):
    allow_multiple_selected = True


class BurstField(forms.FileField):
    """The frames of a burst, several files under one name. Empty files pass on to the image
    check, which answers them as it does everywhere."""

    widget = _FramesInput

    def __init__(self, **kwargs):
        super().__init__(allow_empty_file=True, **kwargs)

    def clean(self, data, initial=None):
        frames = list(data or [])
        most = settings.IMAGESIFT_LIVENESS_MAX_FRAMES
        if not liveness.MIN_FRAMES <= len(frames) <= most:
            raise ValidationError(
                f"send {liveness.MIN_FRAMES} to {most} frames of the head turning, "
                f"not {len(frames)}."
            )
        clean_frame = super().clean
        return [clean_frame(frame, initial) for frame in frames]


class KioskBurstForm(forms.Form):
    frames = BurstField()


@login_required
@ensure_csrf_cookie  # the page's script sends the cookie's token back with each verification
def kiosk(request: HttpRequest) -> HttpResponse:
    """A full-screen camera and one prompt, for a tablet at the door signed in as the desk."""
    if not has_role(request.user, *STAFF):
        raise PermissionDenied("The kiosk runs signed in as a front-desk account.")
    return render(request, "kiosk/index.html")


@require_POST
def kiosk_verify(request: HttpRequest) -> JsonResponse:
    """Verify a burst from the kiosk under IMAGESIFT_KIOSK_LIVENESS; the answer is for the person
    at the door. JSON only, never a redirect to the sign-in page."""
    if not has_role(request.user, *STAFF):
        detail = "The kiosk needs a signed-in front-desk account."
        return JsonResponse({"detail": detail, "code": "permission_denied"}, status=403)
    form = KioskBurstForm(files=request.FILES)
    if not form.is_valid():
        problems = [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()]
        return JsonResponse({"detail": "; ".join(problems), "code": "invalid"}, status=400)
    try:
        verification = services.verification_perform(
            frames=form.cleaned_data["frames"],
            channel=Verification.Channel.KIOSK,
            operator=request.user,
            liveness_policy=settings.IMAGESIFT_KIOSK_LIVENESS,
        )
    except ImageRejected as rejected:
        return JsonResponse(
            {"detail": rejected.message, "code": rejected.code}, status=rejected.status
        )
    except EngineUnavailable:
        detail = "Face recognition is not available right now."
        return JsonResponse({"detail": detail, "code": "engine_unavailable"}, status=503)
    return JsonResponse(kiosk_answer(verification))


def kiosk_answer(verification: Verification) -> dict:
    """The kiosk's words for a verification: no reason, similarity or other person, and
    `decision` is `see_reception` for every refusal that is not about the capture itself."""
    decision = verification.decision
    if decision in ADMITTED:
        first_name = verification.person_name.split(maxsplit=1)[0]
        return {
            "decision": str(decision),
            "admitted": True,
            "headline": f"Welcome, {first_name}",
            "message": "Please come in.",
        }
    if decision == Decision.NO_FACE:
        outcome = Decision.NO_FACE
    elif (
        decision == Decision.LIVENESS_FAILED
        or verification.liveness == Verification.Liveness.FAILED
    ):
        outcome = Decision.LIVENESS_FAILED  # said to anyone whose burst failed: it tells nothing
    else:
        outcome = "see_reception"
    return {
        "decision": str(outcome),
        "admitted": False,
        "headline": SEE_RECEPTION,
        "message": KIOSK_REFUSALS[outcome],
    }


# --- who is on site, and the evacuation roll call ----------------------------------------------
@login_required
@require_GET
def on_site(request: HttpRequest) -> HttpResponse:
    """Visitors and employees on site; during a muster, who is accounted for. Prints as the
    roll call."""
    if not has_role(request.user, *STAFF):
        raise PermissionDenied("Who is on site is for front-desk staff and admins.")
    context = {"on_site": selectors.on_site(), "now": timezone.now()}
    return render(request, "onsite/index.html", context)


@login_required
@require_POST
def on_site_muster(request: HttpRequest) -> HttpResponse:
    """Start the muster (`action=start`), or end the active one (`action=end`)."""
    if not has_role(request.user, *STAFF):
        raise PermissionDenied("Only front-desk staff and admins start or end a muster.")
    action = request.POST.get("action")
    if action == "start":
        muster.muster_start(started_by=request.user)
    elif action == "end":
        active = selectors.active_muster()
        if active is not None:
            muster.muster_end(muster=active, ended_by=request.user)
    else:
        return HttpResponseBadRequest("action: start or end.")
    return redirect("on-site")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
