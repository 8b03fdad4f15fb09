"""API-wide pieces: the error format and the role permission."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.roles import Role, has_role
from recognition.engines.base import EngineUnavailable
from recognition.images import ImageRejected


def exception_handler(exc, context):
    """DRF's handler, plus our domain errors, always as JSON with `detail` and `code`."""
    if isinstance(exc, ImageRejected):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
    if isinstance(exc, EngineUnavailable):
        return Response(
            {"detail": str(exc), "code": "engine_unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data.setdefault("code", getattr(response.data["detail"], "code", "error"))
    elif response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": response.data}
    return response


class ErrorSerializer(serializers.Serializer):
    """An error: what went wrong, a stable code, and for invalid input each field's messages."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The message(s) of each invalid field, when the input is invalid.",
    )


# What an image upload can be refused with (see recognition/images.py).
UPLOAD_ERRORS = {
    status.HTTP_400_BAD_REQUEST: ErrorSerializer,
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: ErrorSerializer,
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: ErrorSerializer,
}


class HasRole(permissions.BasePermission):
    """Reads need one of the view's `read_roles`, writes one of its `write_roles`."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            roles = getattr(view, "read_roles", ALL_ROLES)
        else:
            roles = getattr(view, "write_roles", {Role.ADMIN})
        return has_role(request.user, *roles)


ALL_ROLES = frozenset(Role)


def stored_file_response(file: FieldFile) -> HttpResponse:
    """A stored image for a role holder: from local disk the bytes; from S3 a redirect to a
    presigned URL that expires (IMAGESIFT_PRESIGNED_URL_SECONDS), so that every link the API
    and pages show stays behind the role check and the bytes never pass through the server."""
    if isinstance(file.storage, FileSystemStorage):
        response = FileResponse(file.open("rb"))
        response["Cache-Control"] = "private, max-age=300"
    else:
        response = HttpResponseRedirect(file.url)
        response["Cache-Control"] = "private, no-store"  # the URL it names expires
    return response
