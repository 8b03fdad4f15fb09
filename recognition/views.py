"""Server-rendered pages: the front desk, and enrolment photos for signed-in staff."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.models import FacePhoto
from accounts.roles import Role, has_role
from recognition import selectors
from recognition.api.serializers import VerificationSerializer


@login_required
def frontdesk(request: HttpRequest) -> HttpResponse:
    """Verify a visitor by webcam or upload; shows the day's recent decisions."""
    if not has_role(request.user, Role.ADMIN, Role.FRONT_DESK):
        raise PermissionDenied("The front desk is for front-desk staff and admins.")
    recent = VerificationSerializer(selectors.verifications_for_day(), many=True).data
    return render(request, "frontdesk/index.html", {"recent": recent})


@login_required
@require_GET
def photo_image(request: HttpRequest, photo_id: int) -> FileResponse:
    """An enrolment photo, for staff only: photos are biometric data, never public."""
    if not has_role(request.user, Role.ADMIN, Role.FRONT_DESK, Role.API_CLIENT):
        raise PermissionDenied
    photo = get_object_or_404(FacePhoto, pk=photo_id)
    response = FileResponse(photo.image.open("rb"))
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
