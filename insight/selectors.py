"""Reads of image insight: searching analyses, one analysis."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis

MODERATION_STATES = ("flagged", "clean")


def analyses_search(
    *,
    label: str = "",
    min_confidence: float | None = None,
    person_id: int | None = None,
    moderation: str = "",
    status: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[ImageAnalysis]:
    """Analyses, newest first: with a label (at `min_confidence` or above, parents included),
    a face of a person, a moderation state (flagged or clean), a status, a time range."""
    queryset = ImageAnalysis.objects.prefetch_related(
        Prefetch("faces", queryset=AnalysisFace.objects.select_related("person"))
    )
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


def analysis_for_display(analysis_id: int) -> ImageAnalysis | None:
    """One analysis with its faces and their people, or None."""
    return (
        ImageAnalysis.objects.prefetch_related(
            Prefetch("faces", queryset=AnalysisFace.objects.select_related("person"))
        )
        .filter(pk=analysis_id)
        .first()
    )
