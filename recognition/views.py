"""Server-rendered pages: the front desk, and the health check."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from accounts.roles import STAFF, has_role
from recognition import selectors
from recognition.models import Verification

Decision = Verification.Decision

# What the front desk reads on screen for each decision: plain words, and a shout for denials.
DECISION_WORDS = {
    Decision.EMPLOYEE: "Employee",
    Decision.VISITOR: "Registered visitor",
    Decision.VISITOR_OUTSIDE_WINDOW: "Visitor outside visit window",
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
    }
    return render(request, "frontdesk/index.html", context)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
