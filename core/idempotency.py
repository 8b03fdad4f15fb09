"""Idempotency-Key on the API's uploads: a client that retries a POST (a lost answer, a timeout)
with the same key gets the first answer again, and nothing is written twice.

The key is claimed by inserting its row first (unique per user), so of two requests racing with
one key, the second is told that the first is under way (409). Only successful answers are
kept; a refused request frees its key. Keys are kept for IMAGESIFT_IDEMPOTENCY_HOURS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from core.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def idempotent(post: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an API view's `post`: with an Idempotency-Key, it runs once per key."""

    @functools.wraps(post)
    def answer_once(view, request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER, "")
        if not key:
            return post(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return _refused(f"{HEADER} is longer than {MAX_KEY_LENGTH} characters.", 400)
        _forget_expired()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    user=request.user, key=key, path=request.path
                )
        except IntegrityError:
            return _answer_again(request, key)
        try:
            response = post(view, request, *args, **kwargs)
        except Exception:
            record.delete()
            raise
        if not 200 <= response.status_code < 300:
            record.delete()
            return response
        IdempotentRequest.objects.filter(pk=record.pk).update(
            status=response.status_code,
            body=response.data,
            location=response.headers.get("Location", ""),
        )
        return response

    return answer_once


def _answer_again(request, key: str) -> Response:
    record = IdempotentRequest.objects.filter(user=request.user, key=key).first()
    if record is None or record.path != request.path:
        return _refused(f"This {HEADER} was used for another request.", 422)
    if record.status == 0:
        return _refused(f"A request with this {HEADER} is under way; retry shortly.", 409)
    headers = {"Location": record.location} if record.location else {}
    response = Response(record.body, status=record.status, headers=headers)
    response["Idempotent-Replayed"] = "true"
    return response


def _refused(detail: str, status: int) -> Response:
    return Response({"detail": detail, "code": "idempotency_key"}, status=status)


def _forget_expired() -> None:
    cutoff = timezone.now() - timedelta(hours=settings.IMAGESIFT_IDEMPOTENCY_HOURS)
    IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
