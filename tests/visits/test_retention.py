"""Retention for visitors (`visits.retention`): faces leave the collection a while after the last
visit, details are erased later, visits stay for the counts, and the deny list is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import FacePhoto, Person, StoredFace
from tests.factories import enroll, make_visit, make_visitor, verify
from visits import tasks
from visits.models import Visit
from visits.retention import visitors_retention_apply

pytestmark = pytest.mark.django_db(transaction=True)
FACE = "Jackie_Chan"


def visitor_last_seen(name: str, days_ago: int, faces, *, face: str = FACE, **fields):
    """A visitor with two indexed photos whose only visit ended `days_ago` days ago."""
    visitor = make_visitor(name, **fields)
    enroll(visitor, *faces.of(face)[:2])
    Visit.objects.filter(visitor=visitor).update(
        starts_at=timezone.now() - timedelta(days=days_ago, hours=4),
        ends_at=timezone.now() - timedelta(days=days_ago),
    )
    return visitor


@pytest.fixture
def retention(settings):
    settings.IMAGESIFT_VISITOR_FACE_RETENTION_DAYS = 30
    settings.IMAGESIFT_VISITOR_RETENTION_DAYS = 365


def test_faces_leave_the_collection_after_the_last_visit_but_the_photos_stay(
    retention, faces, caplog
):
    old = visitor_last_seen("Old Visitor", 31, faces)
    recent = visitor_last_seen("Recent Visitor", 29, faces, face="Venus_Williams")

    result = visitors_retention_apply()

    assert (result.faces_removed, result.visitors_with_faces_removed) == (2, 1)
    assert result.visitors_erased == 0
    assert set(old.photos.values_list("state", flat=True)) == {FacePhoto.State.REMOVED}
    assert not StoredFace.objects.filter(person_key=str(old.pk)).exists()
    assert StoredFace.objects.filter(person_key=str(recent.pk)).count() == 2
    assert verify(faces.of(FACE)[3]).decision == "unknown"  # no longer recognised
    assert "2 face(s) of 1 visitor(s) removed from the collection" in caplog.text
    assert visitors_retention_apply().faces_removed == 0  # nothing twice


def test_a_visit_to_come_keeps_the_face(retention, faces):
    returning = visitor_last_seen("Returning", 60, faces)
    make_visit(returning, starts_in=timedelta(days=3))

    assert visitors_retention_apply().faces_removed == 0
    assert StoredFace.objects.filter(person_key=str(returning.pk)).count() == 2


def test_visitors_are_erased_later_and_their_visits_stay_for_the_counts(retention, faces):
    gone = visitor_last_seen("Long Gone", 400, faces, email="gone@example.com")
    visit = gone.visits.get()
    photo_files = [photo.image.name for photo in gone.photos.all()]

    result = tasks.apply_visitor_retention()

    assert result == {"faces_removed": 2, "visitors_erased": 1}
    assert not Person.objects.filter(pk=gone.pk).exists()
    assert not FacePhoto.objects.exists() and not StoredFace.objects.exists()
    storage = FacePhoto._meta.get_field("image").storage
    assert not any(storage.exists(name) for name in photo_files)
    visit.refresh_from_db()
    assert visit.visitor is None and visit.status == Visit.Status.EXPECTED  # counted still


def test_a_visitor_on_the_deny_list_is_kept(retention, faces):
    denied = visitor_last_seen("Banned", 400, faces, denied=True, denied_reason="Theft")

    result = visitors_retention_apply()

    assert (result.faces_removed, result.visitors_erased) == (0, 0)
    assert StoredFace.objects.filter(person_key=str(denied.pk)).count() == 2
    assert verify(faces.of(FACE)[3]).decision == "denied"


def test_zero_days_keeps_everything(settings, faces):
    settings.IMAGESIFT_VISITOR_FACE_RETENTION_DAYS = 0
    settings.IMAGESIFT_VISITOR_RETENTION_DAYS = 0
    visitor_last_seen("Old Visitor", 4000, faces)

    result = visitors_retention_apply()

    assert (result.faces_removed, result.visitors_erased) == (0, 0)
    assert StoredFace.objects.count() == 2
