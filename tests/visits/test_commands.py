"""`import_people` with real photos: employees, and visitors with their visit; the manifest of
their real details; and the exit status when something could not be imported."""

import shutil
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

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


def import_failing(directory: Path, *args: str) -> tuple[str, str, str]:
    """Run the command, which fails: its stdout, stderr and the error's message."""
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "import_people", str(directory), *args, "--no-progress", stdout=stdout, stderr=stderr
        )
    return stdout.getvalue(), stderr.getvalue(), str(failed.value)


def manifest(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


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

    out, err, error = import_failing(
        tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane"
    )

    assert error.startswith("1 of 3 photos unreadable: see the lines above")
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

    out, err, error = import_failing(tmp_path, "--kind", "employee", "--dry-run")

    assert error.startswith("1 of 3 photos unreadable")
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


def test_an_unreadable_photo_makes_the_exit_status_1(faces, tmp_path, capsys):
    name = faces.people_with(3)[5]
    folder = person_folder(tmp_path, name, faces.of(name)[0])
    (folder / "broken.jpg").write_text("not a photo")

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(
            ["manage.py", "import_people", str(tmp_path), "--kind", "employee", "--no-progress"]
        )

    assert exit_info.value.code == 1
    output = capsys.readouterr()
    assert "broken.jpg: unreadable" in output.err
    assert "1 of 2 photos unreadable: see the lines above" in output.err
    assert Employee.objects.get().photos.count() == 1  # the readable photo is imported


# --- the manifest ---------------------------------------------------------------------------
def test_a_manifest_in_dir_gives_employees_their_real_details(faces, tmp_path):
    listed, unlisted = faces.people_with(3)[:2]
    person_folder(tmp_path, listed, faces.of(listed)[0])
    person_folder(tmp_path, unlisted, faces.of(unlisted)[0])
    manifest(
        tmp_path / "people.csv",
        "folder,name,staff_number,email,department",
        f"{listed},Ada Byron,E-100,ada@example.com,Research",
    )

    out, err = import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    ada = Employee.objects.get(staff_number="E-100")
    assert (ada.name, ada.email, ada.department) == ("Ada Byron", "ada@example.com", "Research")
    assert photo_states(ada) == [FacePhoto.State.INDEXED]
    made_up = Employee.objects.get(name=unlisted.replace("_", " "))
    assert made_up.staff_number == staff_number_for(made_up.name)
    assert f"{unlisted}: staff number made up ({made_up.staff_number}): no manifest row" in err
    assert "people.csv" not in err  # the manifest is not reported as an ignored file
    assert f"Manifest {tmp_path / 'people.csv'}: 1 row." in out
    assert "2 created, 0 reused; 1 made-up staff number." in out


def test_bad_manifest_rows_are_reported_by_line_and_the_others_imported(faces, tmp_path):
    good, duplicate, conflicting, bad_email = faces.people_with(3)[:4]
    for name in (good, duplicate, conflicting, bad_email):
        person_folder(tmp_path, name, faces.of(name)[0])
    make_employee("Someone", staff_number="E-50", email="someone@example.com")
    make_employee("Other", staff_number="E-51", email="other@example.com")
    rows = manifest(
        tmp_path.parent / f"{tmp_path.name}-staff.csv",
        "Folder,Staff_Number,Email,Badge",
        f"{good},E-1,good@example.com,7",
        "Nobody_Here,E-2,,",
        f"{duplicate},E-1,,",
        f"{conflicting},E-50,other@example.com,",
        f"{bad_email},E-3,not-an-email,",
    )

    out, err, error = import_failing(
        tmp_path, "--kind", "employee", "--manifest", str(rows), "--consent-recorded-by", "HR"
    )

    assert "columns ignored: badge" in err
    assert f"Line 3: not imported: folder: no folder 'Nobody_Here' in {tmp_path}." in err
    assert "Line 4: not imported: staff_number: 'E-1' is on line 2 already." in err
    assert (
        f"Line 5 ({conflicting}): not imported: staff_number 'E-50' is Someone's but email "
        "'other@example.com' is Other's." in err
    )
    assert f"Line 6 ({bad_email}): not imported: email: Enter a valid email address." in err
    assert error.startswith("4 people not imported: see the lines above")
    imported = Employee.objects.exclude(staff_number__in=["E-50", "E-51"])
    assert [(e.name, e.staff_number) for e in imported] == [(good.replace("_", " "), "E-1")]
    assert photo_states(imported.get()) == [FacePhoto.State.INDEXED]
    assert not FacePhoto.objects.exclude(person__in=imported).exists()
    assert "1 created, 0 reused, 4 failed." in out


def test_a_visitor_manifest_plans_each_visit_with_its_host(faces, tmp_path):
    host = make_employee("Hedy Lamarr", staff_number="E-42", email="hedy@example.com")
    planned, unknown_host, bad_date = faces.people_with(3)[:3]
    for name in (planned, unknown_host, bad_date):
        person_folder(tmp_path, name, faces.of(name)[0])
    manifest(
        tmp_path / "people.csv",
        "folder,name,email,company,host,visit_start,visit_end",
        f"{planned},Grace Hopper,grace@navy.example,Navy,HEDY@example.com,2030-05-01T09:00Z,"
        "2030-05-01T17:00Z",
        f"{unknown_host},,,,E-404,,",
        f"{bad_date},,,,,next tuesday,",
    )
    arguments = ("--kind", "visitor", "--consent-recorded-by", "Front desk Bob")

    _, err, error = import_failing(tmp_path, *arguments)

    assert "Line 3: not imported: host: no employee has the staff number or email 'E-404'." in err
    assert "Line 4: not imported: visit_start: 'next tuesday' is not an ISO 8601 date-time" in err
    assert error.startswith("2 people not imported")
    grace = Visitor.objects.get()
    assert (grace.name, grace.email, grace.company) == (
        "Grace Hopper",
        "grace@navy.example",
        "Navy",
    )
    visit = Visit.objects.get()
    assert (visit.visitor, visit.host) == (grace, host)
    assert (visit.starts_at, visit.ends_at) == (
        datetime(2030, 5, 1, 9, tzinfo=UTC),
        datetime(2030, 5, 1, 17, tzinfo=UTC),
    )
    assert photo_states(grace) == [FacePhoto.State.INDEXED]

    import_failing(tmp_path, *arguments)  # the same manifest again: nothing new

    assert Visitor.objects.count() == 1 and Visit.objects.count() == 1
    assert FacePhoto.objects.count() == 1


def test_a_re_run_with_a_manifest_finds_people_again_and_fills_in_their_details(faces, tmp_path):
    name = faces.people_with(4)[6]
    folder = person_folder(tmp_path, name, *faces.of(name)[:2])
    import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")
    employee = Employee.objects.get()
    assert employee.staff_number.startswith("IMP-")
    details = tmp_path.parent / f"{tmp_path.name}-details.csv"
    header = "folder,name,staff_number,email,department"

    # Found by name: the made-up staff number gives way to the real one.
    manifest(details, header, f"{folder.name},,E-7,,Finance")
    out, _ = import_people(tmp_path, "--kind", "employee", "--manifest", str(details))

    employee.refresh_from_db()
    assert (employee.staff_number, employee.department) == ("E-7", "Finance")
    assert "0 created, 1 reused (1 with new details)" in out and "2 skipped" in out

    # Found by staff number, under the name HR gives; then by email, with a new staff number.
    manifest(details, header, f"{folder.name},Ada King,E-7,ada@example.com,")
    import_people(tmp_path, "--kind", "employee", "--manifest", str(details))
    manifest(details, header, f"{folder.name},Ada King,E-8,ADA@example.com,")
    out, _ = import_people(tmp_path, "--kind", "employee", "--manifest", str(details))

    employee.refresh_from_db()
    assert (employee.name, employee.staff_number, employee.email) == (
        "Ada King",
        "E-8",
        "ADA@example.com",
    )
    assert Employee.objects.count() == 1 and FacePhoto.objects.count() == 2

    out, _ = import_people(tmp_path, "--kind", "employee", "--manifest", str(details))

    assert "0 created, 1 reused." in out  # nothing left to change
    assert photo_states(employee) == [FacePhoto.State.INDEXED] * 2


def test_a_namesake_with_another_real_staff_number_is_someone_else(faces, tmp_path):
    name = faces.people_with(3)[7]
    namesake = make_employee(name.replace("_", " "), staff_number="E-1")
    person_folder(tmp_path, name, faces.of(name)[0])
    manifest(tmp_path / "people.csv", "folder,staff_number", f"{name},E-2")

    out, _ = import_people(tmp_path, "--kind", "employee", "--consent-recorded-by", "HR Jane")

    newcomer = Employee.objects.get(staff_number="E-2")
    assert newcomer.name == namesake.name and newcomer != namesake
    assert not namesake.photos.exists() and newcomer.photos.count() == 1
    assert "1 created, 0 reused." in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("name,staff_number\nAda,E-1\n", "the header has no folder column"),
        (b"folder\n\xff\xfe\n", "not a UTF-8 CSV file"),
    ],
)
def test_an_unusable_manifest_stops_the_import_before_anything_is_written(
    faces, tmp_path, content, message
):
    name = faces.people_with(3)[0]
    person_folder(tmp_path, name, faces.of(name)[0])
    path = tmp_path.parent / f"{tmp_path.name}-manifest.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)

    with pytest.raises(CommandError, match=message):
        import_people(tmp_path, "--kind", "employee", "--manifest", str(path))
    assert not Person.objects.exists() and not FacePhoto.objects.exists()


def test_a_dry_run_checks_the_manifest_and_writes_nothing(faces, tmp_path):
    name = faces.people_with(3)[1]
    person_folder(tmp_path, name, faces.of(name)[0])
    manifest(
        tmp_path / "people.csv",
        "folder,staff_number,email",
        f"{name},E-1,ok@example.com",
        "Missing,E-2,",
    )

    out, err, error = import_failing(tmp_path, "--kind", "employee", "--dry-run")

    assert "Line 3: not imported: folder: no folder 'Missing'" in err
    assert error.startswith("1 person not imported")
    assert "1 to create, 0 reused, 1 failed." in out and "1 to enrol" in out
    assert not Person.objects.exists() and not FacePhoto.objects.exists()
