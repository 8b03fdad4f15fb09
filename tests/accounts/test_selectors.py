"""Reads of people (`accounts/selectors.py`): searches, the people behind collection keys, and
which photo stands for a person. Photo rows are written directly: no face is indexed here."""

from __future__ import annotations

import pytest

from accounts import selectors
from accounts.models import FacePhoto, Person
from tests.factories import make_employee, make_visitor

pytestmark = pytest.mark.django_db


def photo(person: Person, state: str, name: str) -> FacePhoto:
    return FacePhoto.objects.create(person=person, image=f"photos/{person.pk}/{name}", state=state)


def test_employees_are_searched_and_filtered_by_activity():
    ada = make_employee("Ada Lovelace", department="Engines", email="ada@example.com")
    make_employee("Alan Turing", department="Codes", active=False)

    assert [e.name for e in selectors.employees_list()] == ["Ada Lovelace", "Alan Turing"]
    assert list(selectors.employees_list(search="ENGINES")) == [ada]
    assert list(selectors.employees_list(search="ada@")) == [ada]
    assert list(selectors.employees_list(active=True)) == [ada]
    assert [e.name for e in selectors.employees_list(active=False)] == ["Alan Turing"]


def test_visitors_are_searched_by_company():
    grace = make_visitor("Grace Hopper", company="Navy")
    make_visitor("Walk In")

    assert list(selectors.visitors_list(search="navy")) == [grace]
    assert len(selectors.visitors_list()) == 2


def test_people_come_back_as_employees_or_visitors_by_their_collection_keys():
    ada, grace = make_employee("Ada Lovelace"), make_visitor("Grace Hopper")

    found = selectors.people_by_keys([str(ada.pk), str(grace.pk), "999999", "synthetic-1"])

    assert found == {str(ada.pk): ada, str(grace.pk): grace}
    assert type(found[str(ada.pk)]).__name__ == "Employee"
    assert type(found[str(grace.pk)]).__name__ == "Visitor"
    assert selectors.person_specific(grace.pk) == grace
    assert selectors.person_specific(999999) is None
    assert selectors.as_specific(Person.objects.get(pk=ada.pk)) == ada


def test_only_people_with_an_indexed_photo_count_as_enrolled():
    ada, alan = make_employee("Ada Lovelace"), make_employee("Alan Turing")
    photo(ada, FacePhoto.State.INDEXED, "a.jpg")
    photo(alan, FacePhoto.State.REJECTED, "b.jpg")

    assert list(selectors.people_enrolled()) == [Person.objects.get(pk=ada.pk)]


def test_a_person_is_shown_by_their_first_indexed_photo_else_their_first():
    ada = make_employee("Ada Lovelace")
    assert selectors.photo_for_display(ada) is None
    rejected = photo(ada, FacePhoto.State.REJECTED, "a.jpg")
    assert selectors.photo_for_display(ada) == rejected
    indexed = photo(ada, FacePhoto.State.INDEXED, "b.jpg")
    assert selectors.photo_for_display(ada) == indexed


def test_a_stored_file_leads_to_its_photo():
    stored = photo(make_employee(), FacePhoto.State.PENDING, "c.jpg")

    assert selectors.photo_id_for_file(stored.image.name) == stored.pk
    assert selectors.photo_id_for_file("photos/1/elsewhere.jpg") is None
