"""Reads of image insight: searching analyses, one analysis, the analysis of an image's bytes."""

from __future__ import annotations

from datetime import datetime

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.db import connection
from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Upper

from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis

MODERATION_STATES = ("flagged", "clean")
# What an image taken in again may reuse: an analysis done, or one still under way. One that
# failed is not reused: the image is analysed afresh.
REUSABLE_STATES = (
    ImageAnalysis.Status.DONE,
    ImageAnalysis.Status.RUNNING,
    ImageAnalysis.Status.PENDING,
)


def analyses_search(
    *,
    text: str = "",
    label: str = "",
    min_confidence: float | None = None,
    person_id: int | None = None,
    moderation: str = "",
    status: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[ImageAnalysis]:
    """Analyses, newest first: with some text in the image (see `text_matches`), a label (at
    `min_confidence` or above, parents included), a face of a person, a moderation state
    (flagged or clean), a status, a time range."""
    queryset = ImageAnalysis.objects.prefetch_related(
        Prefetch("faces", queryset=AnalysisFace.objects.select_related("person"))
    )
    if text.strip():
        queryset = queryset.filter(text_matches(text))
    if label:
        labelled = AnalysisLabel.objects.filter(analysis=OuterRef("pk"), key=label.casefold())
        if min_confidence is not None:
            labelled = labelled.filter(confidence__gte=min_confidence)
        queryset = queryset.filter(Exists(labelled))
    if person_id is not None:
        queryset = queryset.filter(
            Exists(AnalysisFace.objects.filter(analysis=OuterRef("pk"), person_id=person_id))
        )
    if moderation:
        queryset = queryset.filter(moderation_flagged=moderation == "flagged")
    if status:
        queryset = queryset.filter(status=status)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


def text_matches(text: str) -> Q:
    """The analyses whose text contains `text`, case-blind, its spaces collapsed.

    On PostgreSQL also those where it is close to a word or words of the text (pg_trgm's word
    similarity, at its threshold, 0.6 unless set): OCR misreads a letter now and then
    ("ESPRES5O"). Both are served there by the trigram index of `UPPER(text_content)`
    (migration 0003); on SQLite the column is scanned.
    """
    words = " ".join(text.split())
    found = Q(text_content__icontains=words)
    if connection.vendor == "postgresql":
        found |= Q(TrigramWordSimilar(Upper("text_content"), Upper(Value(words))))
    return found


def analysis_of_content(
    *, sha256: str, min_confidence: float, max_labels: int
) -> ImageAnalysis | None:
    """The analysis an image with these bytes, asked the same of, can reuse: a done one first,
    else one under way, the oldest of them; None when there is none."""
    return (
        ImageAnalysis.objects.filter(
            content_sha256=sha256,
            min_confidence=min_confidence,
            max_labels=max_labels,
            status__in=REUSABLE_STATES,
        )
        .order_by(Case(When(status=ImageAnalysis.Status.DONE, then=0), default=1), "pk")
        .first()
    )


def analysis_for_display(analysis_id: int) -> ImageAnalysis | None:
    """One analysis with its faces and their people, or None."""
    return (
        ImageAnalysis.objects.prefetch_related(
            Prefetch("faces", queryset=AnalysisFace.objects.select_related("person"))
        )
        .filter(pk=analysis_id)
        .first()
    )
