"""Reads of image insight (`insight/selectors.py`): searching analyses by label, person,
moderation, status and time. Rows are written directly: nothing is analysed here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from insight import selectors
from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis
from tests.factories import make_employee

pytestmark = pytest.mark.django_db


def analysis(name: str, *, labels: dict[str, float] | None = None, minutes_ago: int = 0, **fields):
    row = ImageAnalysis.objects.create(
        image=f"uploads/search/{name}",
        source=ImageAnalysis.Source.API,
        min_confidence=50,
        max_labels=25,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )
    AnalysisLabel.objects.bulk_create(
        AnalysisLabel(analysis=row, key=label.casefold(), name=label, confidence=confidence)
        for label, confidence in (labels or {}).items()
    )
    return row


def test_a_label_matches_case_blind_at_the_confidence_asked():
    cat = analysis("cat.jpg", labels={"Cat": 97.0, "Animal": 97.0}, minutes_ago=1)
    dog = analysis("dog.jpg", labels={"Dog": 82.0, "Animal": 82.0})

    assert list(selectors.analyses_search(label="ANIMAL")) == [dog, cat]
    assert list(selectors.analyses_search(label="animal", min_confidence=90)) == [cat]
    assert list(selectors.analyses_search(label="bird")) == []


def test_a_person_moderation_status_and_time_each_narrow_the_search():
    ada = make_employee()
    with_ada = analysis("ada.jpg", moderation_flagged=False, status="done", minutes_ago=30)
    AnalysisFace.objects.create(
        analysis=with_ada, position=0, box={}, confidence=1.0, person=ada, similarity=90.0
    )
    flagged = analysis("flagged.jpg", moderation_flagged=True, status="done", minutes_ago=10)
    waiting = analysis("waiting.jpg")

    assert list(selectors.analyses_search(person_id=ada.pk)) == [with_ada]
    assert list(selectors.analyses_search(moderation="flagged")) == [flagged]
    assert list(selectors.analyses_search(moderation="clean")) == [with_ada]
    assert list(selectors.analyses_search(status="pending")) == [waiting]
    recent = selectors.analyses_search(since=timezone.now() - timedelta(minutes=20))
    assert list(recent) == [waiting, flagged]
    older = selectors.analyses_search(until=timezone.now() - timedelta(minutes=20))
    assert list(older) == [with_ada]


def test_one_analysis_comes_with_its_faces_and_their_people():
    ada = make_employee("Ada Lovelace")
    row = analysis("ada.jpg")
    AnalysisFace.objects.create(
        analysis=row, position=0, box={}, confidence=1.0, person=ada, similarity=90.0
    )

    found = selectors.analysis_for_display(row.pk)

    assert [face.person.name for face in found.faces.all()] == ["Ada Lovelace"]
    assert selectors.analysis_for_display(row.pk + 1000) is None
