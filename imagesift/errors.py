"""Error answers that Django, not a view, gives: JSON under /api/ (as the API's own errors are),
Django's pages elsewhere. Named in urls.py as handler400, handler403, handler404 and handler500,
and in settings as django-axes' answer to a locked-out sign-in."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

# Addresses the API's OpenAPI document describes: the API, and the enrolment photos' images.
API_PREFIXES = ("/api/", "/photos/")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


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


def login_locked(
    request: HttpRequest, response: HttpResponse | None, credentials: dict
) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in: a 429 with Retry-After (the cool-off)."""
    retry_after = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if is_api(request):
        answer: HttpResponse = api_error(LOCKED_DETAIL, "locked_out", 429)
    else:
        minutes = max(1, round(retry_after / 60))
        answer = render(request, "429.html", {"minutes": minutes}, status=429)
    answer["Retry-After"] = str(retry_after)
    return answer


LOCKED_DETAIL = "Too many failed sign-ins for this user from here; try again later."
