"""API-wide conventions: the error format, cursor pagination, request rates, and stored files as
responses."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from vision.errors import EngineUnavailable, ImageRejected


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
        errors = {field: _messages(found) for field, found in response.data.items()}
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": errors}
    return response


def _messages(found) -> list[str]:
    """A field's messages as a flat list: the errors of a list's items (or a nested object's
    fields) come prefixed with their position (`0: ...`), so every field maps to strings."""
    if isinstance(found, dict):
        return [f"{key}: {message}" for key, value in found.items() for message in _messages(value)]
    if isinstance(found, list):
        return [message for item in found for message in _messages(item)]
    return [str(found)]


class ErrorSerializer(serializers.Serializer):
    """An error: what went wrong, a stable code, and for invalid input each field's messages."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The message(s) of each invalid field, when the input is invalid.",
    )


class KnownFieldsOnly(serializers.Serializer):
    """The base of every input serializer: a field the endpoint does not take is a 400 naming
    it, never dropped in silence (a photo sent where photos are not taken, a misspelt name)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            taken = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - taken)
            if unknown:
                raise exceptions.ValidationError(
                    {name: ["This endpoint does not take this field."] for name in unknown}
                )
        return super().to_internal_value(data)


class KnownQueryOnly(KnownFieldsOnly):
    """The base of every query-string filter: an unknown parameter is a 400 naming it, as in a
    body; but the page (`page`, `cursor`, `page_size`) is the paginator's, and `format` is DRF's
    choice of renderer, so those pass."""

    passed_on = ("page", "cursor", "page_size", "format")

    def to_internal_value(self, data):
        if hasattr(data, "copy") and any(name in data for name in self.passed_on):
            data = data.copy()
            for name in self.passed_on:
                data.pop(name, None)
        return super().to_internal_value(data)


class NoInput(KnownFieldsOnly):
    """What an action that takes no body validates it with: anything sent is a 400, not
    dropped."""


# The Idempotency-Key a POST of an upload may carry (core/idempotency.py), and what it answers.
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    description="Any unique string: a retry with the same key gets the first answer again "
    "(header Idempotent-Replayed) and writes nothing twice.",
)
IDEMPOTENCY_ERRORS = {
    status.HTTP_409_CONFLICT: ErrorSerializer,
    status.HTTP_422_UNPROCESSABLE_ENTITY: ErrorSerializer,
}

# What an image upload can be refused with (see vision/images.py).
UPLOAD_ERRORS = {
    status.HTTP_400_BAD_REQUEST: ErrorSerializer,
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: ErrorSerializer,
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: ErrorSerializer,
}


class NewestFirst(CursorPagination):
    """Cursor pages, newest first: no COUNT and no OFFSET, so page 1,000 is as fast as page 1."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200


# What `stored_file_response` answers, for the OpenAPI description.
STORED_FILE_RESPONSES = {
    (200, "image/*"): bytes,
    302: OpenApiResponse(description="To a presigned S3 URL"),
}


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


class PerUserRate(UserRateThrottle):
    """Requests a minute for each token or session holder: IMAGESIFT_API_RATE, read per request
    (a class attribute would keep the rate the module was imported with)."""

    def get_rate(self) -> str:
        return settings.IMAGESIFT_API_RATE


class PerAddressRate(AnonRateThrottle):
    """Requests a minute for each address without a token or session (they are refused, but
    still cost): IMAGESIFT_API_ANONYMOUS_RATE."""

    def get_rate(self) -> str:
        return settings.IMAGESIFT_API_ANONYMOUS_RATE


# What any operation may answer besides its own results: the OpenAPI document names them all.
STANDARD_ERRORS = {
    "400": "Invalid input, or a NUL character in a field",
    "401": "No valid token or session",
    "403": "The role does not allow this",
    "404": "No such object, or no such address",
    "429": "Too many requests: see Retry-After",
    "503": "The recognition engine is unavailable: try again",
}


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: every operation documents the errors above, in the
    API's error format, besides the ones it declares itself."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path in result["paths"].values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status_code, description in STANDARD_ERRORS.items():
                responses.setdefault(status_code, {"description": description, **error})
    return result
