"""`import_people` with real photos: employees, and visitors with their visit."""

import shutil
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Employee, FacePhoto, Person, Visitor
from tests.factories import make_employee
from visits.management.commands.import_people import staff_number_for
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)


def person_folder(root: Path, folder_name: str, *photos: Path) -> Path:
    """Copy shared photos into root/folder_name/ (a temporary folder, never the repository)."""
    folder = root / folder_name
    folder.mkdir(parents=True, exist_ok=True)
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    return folder


def import_people(directory: Path, *args: str) -> tuple[str, str]:
    """Run the command; its stdout and stderr."""
    stdout, stderr = StringIO(), StringIO()
    call_command(
        "import_people", str(directory), *args, "--no-progress", stdout=stdout, stderr=stderr
    )
    return stdout.getvalue(), stderr.getvalue()


def photo_states(person: Person) -> list[str]:
    return sorted(person.photos.values_list("state", flat=True))


def test_import_creates_employees_with_consent_and_indexes_their_photos(faces, tmp_path):
    first, second = faces.people_with(4)[:2]
    person_folder(tmp_path, first, *faces.of(first)[:2])
    person_folder(tmp_path, second, *faces.of(second)[:2])

    out, _ = import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    employees = {employee.name: employee for employee in Employee.objects.all()}
    assert set(employees) == {first.replace("_", " "), second.replace("_", " ")}
    for employee in employees.values():
        assert employee.staff_number == staff_number_for(employee.name)
        assert employee.staff_number.startswith("IMP-")
        assert employee.consent_recorded_by == "HR Jane" and employee.has_consent
        assert photo_states(employee) == [FacePhoto.State.INDEXED] * 2
        assert all(employee.photos.values_list("face_id", flat=True))
    assert "2 created, 0 reused" in out
    assert "4 indexed, 0 rejected, 0 skipped (already imported), 0 unreadable" in out


def test_running_the_import_again_adds_only_new_photos(faces, tmp_path):
    name = faces.people_with(4)[0]
    folder = person_folder(tmp_path, name, *faces.of(name)[:2])
    import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    out, _ = import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    assert Employee.objects.count() == 1 and FacePhoto.objects.count() == 2
    assert "0 created, 1 reused" in out
    assert "0 indexed, 0 rejected, 2 skipped (already imported)" in out

    shutil.copy(faces.of(name)[2], folder / "new.jpg")
    shutil.copy(faces.of(name)[0], folder / "same-photo-renamed.jpg")
    out, _ = import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    assert Employee.objects.count() == 1
    assert photo_states(Employee.objects.get()) == [FacePhoto.State.INDEXED] * 3
    assert "1 indexed, 0 rejected, 3 skipped (already imported)" in out


def test_an_existing_person_of_the_same_name_and_kind_gets_the_photos(faces, tmp_path):
    name = faces.people_with(3)[0]
    employee = make_employee(name.replace("_", " "), staff_number="E-7")
    make_employee("Someone Else", staff_number="E-8")
    person_folder(tmp_path, name, faces.of(name)[0])

    out, _ = import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    assert Employee.objects.count() == 2
    assert photo_states(employee) == [FacePhoto.State.INDEXED]
    assert employee.photos.count() == FacePhoto.objects.count()
    assert "0 created, 1 reused" in out


def test_bad_files_are_reported_one_by_one_and_the_import_goes_on(faces, tmp_path):
    name = faces.people_with(3)[1]
    folder = person_folder(tmp_path, name, faces.of(name)[0])
    shutil.copy(faces.nonface()[0], folder / "landscape.JPEG")
    (folder / "broken.jpg").write_text("not a photo")
    (folder / "notes.txt").write_text("badge 42")

    out, err = import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    assert f"{name}/broken.jpg: unreadable (not_an_image): The file is not an image." in err
    assert f"{name}/notes.txt: ignored" in err
    assert f"{name}/landscape.JPEG: stored but not indexed: no face found" in err
    employee = Employee.objects.get()
    assert photo_states(employee) == [FacePhoto.State.INDEXED, FacePhoto.State.REJECTED]
    assert employee.photos.get(state=FacePhoto.State.REJECTED).rejection_reason == "no_face"
    assert (
        "Photos: 1 indexed, 1 rejected (no_face 1), 0 skipped (already imported), "
        "1 unreadable, 1 other files ignored." in out
    )


def test_visitors_are_imported_with_their_host_and_visit_window(faces, tmp_path):
    host = make_employee("Host Person", staff_number="E-42")
    name = faces.people_with(3)[2]
    person_folder(tmp_path, name, faces.of(name)[0])

    out, _ = import_people(
        tmp_path,
        *("--kind", "visitor", "--consent-recorded-by", "Front desk Bob", "--host", "E-42"),
        *("--visit-start", "2030-05-01T09:00:00Z", "--visit-end", "2030-05-01T17:00:00Z"),
    )

    visitor = Visitor.objects.get()
    assert visitor.name == name.replace("_", " ")
    visit = Visit.objects.get()
    assert (visit.visitor, visit.host, visit.status) == (visitor, host, Visit.Status.EXPECTED)
    assert visit.starts_at == datetime(2030, 5, 1, 9, tzinfo=UTC)
    assert visit.ends_at == datetime(2030, 5, 1, 17, tzinfo=UTC)
    assert visitor.consent_recorded_by == "Front desk Bob"
    assert photo_states(visitor) == [FacePhoto.State.INDEXED]
    assert "People (visitors): 1 created, 0 reused." in out

    import_people(
        tmp_path,
        *("--kind", "visitor", "--host", "E-42"),
        *("--visit-start", "2030-05-01T09:00:00Z", "--visit-end", "2030-05-01T17:00:00Z"),
    )
    import_people(tmp_path, *("--kind", "visitor", "--visit-start", "2030-06-01T09:00:00Z"))

    starts = sorted(visit.starts_at.month for visit in Visit.objects.filter(visitor=visitor))
    assert starts == [5, 6]  # the same window again adds no visit; a new one does


def test_without_consent_photos_wait_until_a_later_import_records_it(faces, tmp_path):
    name = faces.people_with(3)[3]
    person_folder(tmp_path, name, *faces.of(name)[:2])

    out, err = import_people(tmp_path, "--kind", "employee")

    assert "No --consent-recorded-by" in err and "not indexed" in err
    employee = Employee.objects.get()
    assert not employee.has_consent
    assert photo_states(employee) == [FacePhoto.State.REJECTED] * 2
    assert set(employee.photos.values_list("rejection_reason", flat=True)) == {"no_consent"}
    assert "2 stored without consent (not indexed)" in out

    out, _ = import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    employee.refresh_from_db()
    assert employee.consent_recorded_by == "HR Jane"
    assert photo_states(employee) == [FacePhoto.State.INDEXED] * 2
    assert "2 skipped (already imported)" in out


def test_dry_run_checks_the_files_and_writes_nothing(faces, tmp_path):
    name = faces.people_with(3)[4]
    folder = person_folder(tmp_path, name, *faces.of(name)[:2])
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")

    out, err = import_people(tmp_path, "--kind", "employee", "--dry-run")

    assert not Person.objects.exists() and not FacePhoto.objects.exists()
    assert "broken.png: unreadable" in err
    assert "nothing was written" in out
    assert "1 to create, 0 reused" in out and "2 to enrol" in out and "1 unreadable" in out


def test_a_missing_directory_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="missing is not a directory"):
        import_people(tmp_path / "missing", "--kind", "employee")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--kind", "employee", "--host", "E-1"], "--host only apply to --kind visitor"),
        (["--kind", "visitor", "--host", "E-404"], "No employee has staff number 'E-404'"),
        (["--kind", "visitor", "--visit-start", "tomorrow"], "'tomorrow' is not an ISO date-time"),
        (
            [
                "--kind",
                "visitor",
                *("--visit-start", "2030-01-02T10:00", "--visit-end", "2030-01-02"),
            ],
            "--visit-end must be after --visit-start",
        ),
    ],
)
def test_unusable_options_stop_the_import_before_anything_is_written(
    faces, tmp_path, arguments, message
):
    name = faces.people_with(3)[0]
    person_folder(tmp_path, name, faces.of(name)[0])
    with pytest.raises(CommandError, match=message):
        import_people(tmp_path, *arguments)
    assert not Person.objects.exists() and not FacePhoto.objects.exists()
