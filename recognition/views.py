"""Server-rendered pages: the front desk, and enrolment photos for signed-in staff."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from accounts.roles import Role, has_role
from recognition import selectors
from recognition.api.serializers import VerificationSerializer
from recognition.models import Verification

Decision = Verification.Decision

# What the front desk reads on screen for each decision: plain words, and a shout for denials.
DECISION_WORDS = {
    Decision.EMPLOYEE: "Employee",
    Decision.VISITOR: "Registered visitor",
    Decision.VISITOR_OUTSIDE_WINDOW: "Visitor outside visit window",
    Decision.DENIED: "DENIED",
    Decision.UNKNOWN: "Unknown person",
    Decision.NO_FACE: "No usable face",
}


@login_required
@ensure_csrf_cookie  # the page's script sends the cookie's token back with each verification
def frontdesk(request: HttpRequest) -> HttpResponse:
    """Verify a visitor by webcam or upload; shows the day's recent decisions."""
    if not has_role(request.user, Role.ADMIN, Role.FRONT_DESK):
        raise PermissionDenied("The front desk is for front-desk staff and admins.")
    recent = [
        item
        | {
            "words": DECISION_WORDS[item["decision"]],
            "channel_words": Verification.Channel(item["channel"]).label,
            "at": parse_datetime(item["created_at"]),
        }
        for item in VerificationSerializer(selectors.verifications_for_day(), many=True).data
    ]
    context = {"recent": recent, "decision_words": {str(k): v for k, v in DECISION_WORDS.items()}}
    return render(request, "frontdesk/index.html", context)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
