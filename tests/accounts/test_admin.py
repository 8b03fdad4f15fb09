"""The people admin, as a signed-in superuser uses it: forms with inline photos, and actions."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import Employee, FacePhoto, Person, StoredFace
from tests.factories import enroll, make_employee, make_visitor
from tests.uploads import encode, media_files

pytestmark = pytest.mark.django_db(transaction=True)

EMPLOYEES = "/admin/accounts/employee/"
VISITORS = "/admin/accounts/visitor/"
FACE = "Jackie_Chan"


def photo_inline(*uploads: SimpleUploadedFile) -> dict:
    """The inline photo formset of an add form, with one new photo per upload."""
    data = {
        "photos-TOTAL_FORMS": str(len(uploads)),
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
    }
    for number, upload in enumerate(uploads):
        data[f"photos-{number}-image"] = upload
    return data


def employee_form(**fields) -> dict:
    return {
        "name": "Jackie Chan",
        "staff_number": "E-42",
        "department": "Stunts",
        "active": "on",
        "consent_recorded_by": "HR (signed form)",
        **fields,
    }


def jpeg_upload(faces, number: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "face.jpg", faces.of(FACE)[number].read_bytes(), content_type="image/jpeg"
    )


def errors_on(response) -> str:
    """The text of the form's error lists."""
    page = response.content.decode()
    assert response.status_code == 200
    assert "errorlist" in page
    return page


# --- adding people with photos ------------------------------------------------------------------
def test_adding_an_employee_with_a_photo_stores_and_indexes_it(admin, faces):
    files_before = media_files()

    response = admin.post(f"{EMPLOYEES}add/", employee_form() | photo_inline(jpeg_upload(faces)))

    assert response.status_code == 302, response.content.decode()[:3000]
    employee = Employee.objects.get()
    assert (employee.name, employee.staff_number, employee.kind) == (
        "Jackie Chan",
        "E-42",
        "employee",
    )
    assert employee.consent_recorded_by == "HR (signed form)"
    assert employee.consent_recorded_at is not None
    photo = FacePhoto.objects.get()
    assert photo.person_id == employee.pk
    assert (photo.state, photo.rejection_reason) == (FacePhoto.State.INDEXED, "")
    assert StoredFace.objects.filter(face_id=photo.face_id, person_key=str(employee.pk)).exists()
    assert media_files() - files_before == {photo.image.name}
    assert photo.image.read() == faces.of(FACE)[0].read_bytes()


def test_a_photo_added_without_consent_waits_as_rejected(admin, faces):
    form = employee_form(consent_recorded_by="") | photo_inline(jpeg_upload(faces))

    assert admin.post(f"{EMPLOYEES}add/", form).status_code == 302

    photo = FacePhoto.objects.get()
    assert (photo.state, photo.rejection_reason) == (FacePhoto.State.REJECTED, "no_consent")
    assert not StoredFace.objects.exists()


def test_a_new_person_who_looks_like_someone_enrolled_is_named_after_saving(admin, faces):
    jackie = make_employee("Jackie Chan")
    enroll(jackie, *faces.of(FACE)[1:3])
    form = employee_form(name="Jack Chen", staff_number="E-2") | photo_inline(jpeg_upload(faces))

    response = admin.post(f"{EMPLOYEES}add/", form, follow=True)

    photo = FacePhoto.objects.exclude(person=jackie).get()
    assert photo.state == FacePhoto.State.INDEXED  # advice only
    assert f"Photo {photo.pk}: Looks like Jackie Chan (similarity " in response.content.decode()
    listed = admin.get("/admin/accounts/facephoto/?advice=like_someone_else").content.decode()
    assert "Jack Chen" in listed


def test_a_rejected_photo_is_named_with_its_reason_after_saving(admin, faces):
    group = SimpleUploadedFile("group.jpg", faces.multi(1).read_bytes(), content_type="image/jpeg")
    form = employee_form() | photo_inline(jpeg_upload(faces), group)

    response = admin.post(f"{EMPLOYEES}add/", form, follow=True)

    page = response.content.decode()
    rejected = FacePhoto.objects.get(state=FacePhoto.State.REJECTED)
    assert f"Photo {rejected.pk} was not enrolled: Several faces." in page
    indexed = FacePhoto.objects.get(state=FacePhoto.State.INDEXED)
    assert f"Photo {indexed.pk}" not in page


def test_adding_two_photos_at_once(admin, faces):
    form = employee_form() | photo_inline(jpeg_upload(faces, 0), jpeg_upload(faces, 1))

    assert admin.post(f"{EMPLOYEES}add/", form).status_code == 302

    assert list(FacePhoto.objects.values_list("state", flat=True)) == ["indexed", "indexed"]
    assert StoredFace.objects.count() == 2


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("notes.jpg", b"not a photo at all\n" * 20, "image/jpeg"),
            "Upload a valid image",
        ),
        (
            SimpleUploadedFile("anim.gif", encode(Image.new("RGB", (200, 200)), "GIF")),
            "GIF images are not supported",
        ),
        (
            SimpleUploadedFile("tiny.jpg", encode(Image.new("RGB", (60, 60)))),
            "both sides must be at least 80 px",
        ),
    ],
    ids=["text", "gif", "tiny"],
)
def test_an_unusable_inline_photo_is_a_form_error_and_nothing_is_stored(admin, upload, message):
    files_before = media_files()

    response = admin.post(f"{EMPLOYEES}add/", employee_form() | photo_inline(upload))

    assert message in errors_on(response)
    assert not Person.objects.exists()
    assert not FacePhoto.objects.exists()
    assert media_files() == files_before


def test_a_photo_over_the_size_limit_is_a_form_error(settings, admin, faces):
    settings.IMAGESIFT_MAX_UPLOAD_MB = 0.005

    response = admin.post(f"{EMPLOYEES}add/", employee_form() | photo_inline(jpeg_upload(faces)))

    assert "the limit is 0.005 MB" in errors_on(response)
    assert not Person.objects.exists() and not FacePhoto.objects.exists()


# --- the lists ----------------------------------------------------------------------------------
def test_the_employee_list_shows_consent_and_index_state(admin, faces):
    indexed = make_employee("Jackie Chan")
    enroll(indexed, faces.of(FACE)[0], faces.nonface()[0])
    make_employee("Ada Lovelace", consent=False)

    page = admin.get(EMPLOYEES).content.decode()

    assert "Jackie Chan" in page and "Ada Lovelace" in page
    assert "1/2 indexed <strong" in page and "add 2 more" in page  # under three: a warning
    assert "0/0 indexed <strong" in page and "add 3 more" in page
    assert 'alt="True"' in page and 'alt="False"' in page  # the consent column


def test_the_change_form_shows_each_photo_state_and_reason(admin, faces):
    employee = make_employee("Jackie Chan")
    enroll(employee, faces.of(FACE)[0], faces.multi(1))

    page = admin.get(f"{EMPLOYEES}{employee.pk}/change/").content.decode()

    assert "Indexed" in page
    assert "Several faces" in page
    for photo in employee.photos.all():
        assert f'src="/photos/{photo.pk}/"' in page


def test_every_photo_link_goes_through_the_role_checked_view_and_opens(admin, faces):
    employee = make_employee("Jackie Chan")
    (photo,) = enroll(employee, faces.of(FACE)[0])

    pages = [
        admin.get(f"{EMPLOYEES}{employee.pk}/change/").content.decode(),
        admin.get(f"/admin/accounts/facephoto/{photo.pk}/change/").content.decode(),
    ]

    for page in pages:
        links = set(re.findall(r'href="([^"]*)"', page))
        assert f"/photos/{photo.pk}/" in links
        assert not [link for link in links if link.startswith("/media/")]
    assert admin.get(f"/photos/{photo.pk}/").status_code == 200


def test_three_indexed_photos_need_no_warning_on_the_list_or_the_page(admin, faces):
    employee = make_employee("Jackie Chan")
    enroll(employee, *faces.of(FACE)[:3])

    for url in (EMPLOYEES, f"{EMPLOYEES}{employee.pk}/change/"):
        page = admin.get(url).content.decode()
        assert "3/3 indexed" in page and "more</strong>" not in page
    assert admin.get(f"{EMPLOYEES}add/").status_code == 200


def indexed_photos_column(page: str) -> list[tuple[str, str]]:
    """(name, indexed photos) of each row of a people list, in order."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    return [
        (re.search(r'<th class="field-name">.*?>([^<]+)</a>', row).group(1), count)
        for row in rows
        for count in re.findall(r'<td class="field-photo_summary">(\d+)/', row)
    ]


@pytest.mark.parametrize("kind", ["employee", "visitor"])
def test_the_people_lists_count_indexed_photos_and_sort_by_them(admin, faces, kind):
    make_person = make_employee if kind == "employee" else make_visitor
    url = EMPLOYEES if kind == "employee" else VISITORS
    two = make_person("Ada Two")  # names in another order than their counts
    enroll(two, *faces.of(FACE)[:2], faces.nonface()[0])  # the third is rejected
    none = make_person("Bea None", consent=False)
    enroll(none, faces.of(FACE)[2])  # waits for consent
    one = make_person("Cy One")
    enroll(one, faces.of(FACE)[3])

    page = admin.get(url).content.decode()
    assert "Indexed photos</a>" in page  # a sortable column's heading
    column = list_display_position(admin, url, "photo_summary")
    ascending = admin.get(url, {"o": str(column)}).content.decode()
    descending = admin.get(url, {"o": f"-{column}"}).content.decode()

    assert indexed_photos_column(page) == [("Ada Two", "2"), ("Bea None", "0"), ("Cy One", "1")]
    assert indexed_photos_column(ascending) == [
        ("Bea None", "0"),
        ("Cy One", "1"),
        ("Ada Two", "2"),
    ]
    assert [name for name, _ in indexed_photos_column(descending)] == [
        "Ada Two",
        "Cy One",
        "Bea None",
    ]


def list_display_position(admin, url: str, field: str) -> int:
    """The number the admin sorts a list column by (`?o=`): its place, counting the checkbox."""
    page = admin.get(url).content.decode()
    headings = re.findall(r'<th scope="col"\s+class="([^"]*)"', page)
    return next(i for i, classes in enumerate(headings) if f"column-{field}" in classes)


def test_the_visitor_list_searches_company(admin):
    make_visitor("Walk In", company="Acme")
    make_visitor("Courier", company="Parcels Ltd")

    page = admin.get(VISITORS, {"q": "acme"}).content.decode()

    assert "Walk In" in page and "Courier" not in page


# --- changing and deleting ----------------------------------------------------------------------
def change_form(employee: Employee, **fields) -> dict:
    """The employee's change form as the browser would send it back, with `fields` changed."""
    photos = list(employee.photos.all())
    data = {
        "name": employee.name,
        "staff_number": employee.staff_number,
        "department": employee.department,
        "email": employee.email,
        "consent_recorded_by": employee.consent_recorded_by,
        "denied_reason": employee.denied_reason,
        "photos-TOTAL_FORMS": str(len(photos)),
        "photos-INITIAL_FORMS": str(len(photos)),
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
    }
    if employee.active:
        data["active"] = "on"
    for number, photo in enumerate(photos):
        data |= {f"photos-{number}-id": str(photo.pk), f"photos-{number}-person": str(employee.pk)}
    return data | fields


def test_withdrawing_consent_in_the_form_removes_the_faces(admin, faces):
    employee = make_employee("Jackie Chan")
    [photo] = enroll(employee, faces.of(FACE)[0])

    response = admin.post(
        f"{EMPLOYEES}{employee.pk}/change/", change_form(employee, consent_recorded_by="")
    )

    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.consent_recorded_at is None
    photo.refresh_from_db()
    assert (photo.state, photo.face_id) == (FacePhoto.State.REMOVED, "")
    assert not StoredFace.objects.exists()


def test_replacing_a_photo_in_the_inline_indexes_the_new_face_instead(admin, faces):
    employee = make_employee("Jackie Chan")
    [photo] = enroll(employee, faces.of(FACE)[0])
    old_face, old_file = photo.face_id, photo.image.name

    form = change_form(employee) | {"photos-0-image": jpeg_upload(faces, 1)}
    response = admin.post(f"{EMPLOYEES}{employee.pk}/change/", form)

    assert response.status_code == 302
    photo = FacePhoto.objects.get()
    assert photo.state == FacePhoto.State.INDEXED
    assert photo.face_id and photo.face_id != old_face
    assert [str(face.face_id) for face in StoredFace.objects.all()] == [photo.face_id]
    new_content = faces.of(FACE)[1].read_bytes()
    assert photo.image.read() == new_content
    assert photo.content_sha256 == hashlib.sha256(new_content).hexdigest()
    assert not photo.image.storage.exists(old_file)


def test_the_history_names_the_added_photo(admin, faces):
    admin.post(f"{EMPLOYEES}add/", employee_form() | photo_inline(jpeg_upload(faces)))

    photo = FacePhoto.objects.get()
    history = admin.get(f"{EMPLOYEES}{photo.person_id}/history/").content.decode()
    assert f"Photo {photo.pk} of Jackie Chan" in history


def test_deleting_a_photo_in_the_inline_removes_face_and_file(admin, faces):
    employee = make_employee("Jackie Chan")
    [photo] = enroll(employee, faces.of(FACE)[0])

    form = change_form(employee) | {"photos-0-DELETE": "on"}
    response = admin.post(f"{EMPLOYEES}{employee.pk}/change/", form)

    assert response.status_code == 302
    assert not FacePhoto.objects.exists()
    assert not StoredFace.objects.exists()
    assert not photo.image.storage.exists(photo.image.name)


def test_deleting_an_employee_in_the_admin_erases_them(admin, faces):
    employee = make_employee("Jackie Chan")
    [photo] = enroll(employee, faces.of(FACE)[0])

    response = admin.post(f"{EMPLOYEES}{employee.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Person.objects.exists()
    assert not FacePhoto.objects.exists() and not StoredFace.objects.exists()
    assert not photo.image.storage.exists(photo.image.name)


# --- actions ------------------------------------------------------------------------------------
def act(admin: Client, action: str, *people: Person, url: str = EMPLOYEES):
    return admin.post(
        url, {"action": action, "_selected_action": [person.pk for person in people]}, follow=True
    )


def test_recording_consent_by_action_indexes_the_waiting_photos(admin, faces):
    employee = make_employee("Jackie Chan", consent=False)
    enroll(employee, faces.of(FACE)[0], faces.of(FACE)[1])
    assert not StoredFace.objects.exists()

    response = act(admin, "record_consent", employee)

    assert "Consent recorded for 1 people." in response.content.decode()
    employee.refresh_from_db()
    assert employee.consent_recorded_by == "root"
    assert employee.consent_recorded_at is not None
    assert set(employee.photos.values_list("state", flat=True)) == {FacePhoto.State.INDEXED}
    assert StoredFace.objects.count() == 2


def test_removing_and_reindexing_faces_by_action(admin, faces):
    employee = make_employee("Jackie Chan")
    other = make_visitor("John Schneider")
    enroll(employee, faces.of(FACE)[0], faces.of(FACE)[1])
    [kept] = enroll(other, faces.of("John_Schneider")[0])

    removed = act(admin, "remove_faces", employee)

    assert "2 faces removed." in removed.content.decode()
    assert set(employee.photos.values_list("state", flat=True)) == {FacePhoto.State.REMOVED}
    assert list(StoredFace.objects.values_list("person_key", flat=True)) == [str(other.pk)]

    reindexed = act(admin, "reindex_faces", employee)

    assert "2 photos queued for indexing." in reindexed.content.decode()
    assert set(employee.photos.values_list("state", flat=True)) == {FacePhoto.State.INDEXED}
    assert StoredFace.objects.count() == 3
    kept.refresh_from_db()
    assert kept.state == FacePhoto.State.INDEXED


def test_actions_work_on_visitors_too(admin, faces):
    visitor = make_visitor("John Schneider", consent=False)
    enroll(visitor, faces.of("John_Schneider")[0])

    act(admin, "record_consent", visitor, url=VISITORS)

    assert visitor.photos.get().state == FacePhoto.State.INDEXED
