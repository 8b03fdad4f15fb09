"""Reads of image insight (`insight/selectors.py`): searching analyses by text, label, person,
moderation, status and time; the analysis an image's bytes may reuse. Rows are written
directly: nothing is analysed here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from insight import selectors
from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis
from insight.services import text_for_search
from tests.factories import make_employee

pytestmark = pytest.mark.django_db

BOX = {"left": 0.1, "top": 0.1, "width": 0.5, "height": 0.1}


def analysis(
    name: str,
    *,
    labels: dict[str, float] | None = None,
    text: tuple[str, ...] = (),
    minutes_ago: int = 0,
    **fields,
):
    row = ImageAnalysis.objects.create(
        image=f"uploads/search/{name}",
        source=ImageAnalysis.Source.API,
        min_confidence=50,
        max_labels=25,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        text_lines=[{"text": line, "confidence": 95.0, "box": BOX} for line in text],
        text_content=text_for_search(text),
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


# --- text ----------------------------------------------------------------------------------------
def test_text_matches_case_blind_across_lines_with_its_spaces_collapsed():
    exit_sign = analysis("exit.jpg", text=("EMERGENCY", "EXIT  ->"), minutes_ago=2)
    menu = analysis("menu.jpg", text=("Espresso 2.50", "Flat white 3.20"), minutes_ago=1)
    analysis("cat.jpg", labels={"Cat": 97.0})

    def found(text: str, **filters) -> list[ImageAnalysis]:
        return list(selectors.analyses_search(text=text, **filters))

    assert found("exit") == [exit_sign]
    assert found("Emergency   exit") == [exit_sign]  # read on two lines, asked as one phrase
    assert found("ESPRESSO") == [menu]
    assert found("2.50") == [menu]
    assert found("e") == [menu, exit_sign]  # newest first, as every search
    assert found("giraffe") == []
    assert found("   ") == found("") == list(selectors.analyses_search())
    assert found("exit", status="pending") == [exit_sign]
    assert found("exit", label="cat") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_on_postgresql_a_word_misread_by_one_letter_is_found_through_the_trigram_index():
    menu = analysis("menu.jpg", text=("ESPRES5O 2.50",))
    analysis("cat.jpg", text=("Cats welcome",))

    assert list(selectors.analyses_search(text="espresso")) == [menu]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: the index, not a scan
    plan = ImageAnalysis.objects.filter(selectors.text_matches("espresso")).order_by().explain()
    assert "analysis_text_trgm" in plan


# --- the analysis an image's bytes may reuse ------------------------------------------------------
def test_the_analysis_of_the_same_bytes_asked_the_same_of_is_found_done_first():
    def of(sha256: str = "a" * 64, **asked) -> ImageAnalysis | None:
        asked = {"min_confidence": 50, "max_labels": 25, **asked}
        return selectors.analysis_of_content(sha256=sha256, **asked)

    assert of() is None
    failed = analysis("failed.jpg", content_sha256="a" * 64, status="failed")
    assert of() is None  # a failed analysis is not reused
    pending = analysis("pending.jpg", content_sha256="a" * 64)
    assert of() == pending
    done = analysis("done.jpg", content_sha256="a" * 64, status="done")
    analysis("later.jpg", content_sha256="a" * 64, status="done")
    assert of() == done  # done before under way, then the oldest
    assert of(max_labels=5) is None and of(min_confidence=80) is None
    assert of("b" * 64) is None
    assert failed.pk < pending.pk < done.pk
