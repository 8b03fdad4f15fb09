"""Error answers that Django, not a view, gives: JSON under /api/ (as the API's own errors are),
Django's pages elsewhere. Named in urls.py as handler400, handler403, handler404 and handler500."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(detail: str, code: str, status: int) -> JsonResponse:
    """An error in the API's format (`core.api.ErrorSerializer`)."""
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Input Django refuses before any view: too many fields or files, a malformed body."""
    if is_api(request):
        return api_error("The request is malformed or too large.", "bad_request", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("You do not have permission to do this.", "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("No such address in the API.", "not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error("Something went wrong on our side; it has been logged.", "error", 500)
    return defaults.server_error(request)
