"""`import_visits`: visits planned from a CSV file, their visitors reused or registered; bad rows
reported by line and the others imported; a dry run; a second run that plans nothing twice; and
invitations delivered to a real SMTP server."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Visitor
from notifications.models import Notification
from tests.factories import make_employee, make_visitor
from visits.models import Visit

pytestmark = pytest.mark.django_db

HEADER = "name,email,company,host,starts_at,ends_at,purpose"


@pytest.fixture
def day() -> date:
    """The day the file's visits are on: tomorrow, so that they may be invited."""
    return timezone.localdate() + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def csv_file(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "visits.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def import_visits(path: Path, *args: str) -> tuple[str, str]:
    """Run the command; its stdout and stderr (it raises CommandError when a row failed)."""
    stdout, stderr = StringIO(), StringIO()
    call_command("import_visits", str(path), *args, "--no-progress", stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def import_failing(path: Path, *args: str) -> tuple[str, str, str]:
    """Run a command that fails: its stdout, stderr and the error's message."""
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "import_visits", str(path), *args, "--no-progress", stdout=stdout, stderr=stderr
        )
    return stdout.getvalue(), stderr.getvalue(), str(failed.value)


@pytest.fixture
def hosts(db):
    return (
        make_employee("Hedy Lamarr", email="hedy@example.com", staff_number="E-100"),
        make_employee("Alan Turing", email="alan@example.com", staff_number="E-200"),
    )


def test_rows_become_visits_in_the_site_time_zone(settings, tmp_path, hosts, day):
    settings.TIME_ZONE = "Europe/Paris"
    hedy, alan = hosts
    path = csv_file(
        tmp_path,
        f"Jackie Chan,jackie@example.com,JC Group,E-100,{at(day, 9)},{at(day, 11)},Rehearsal",
        f"Ada Byron,,Analytical,ALAN@example.com,{at(day, 14)}+00:00,{at(day, 15, 30)}+00:00,",
        f"Nobody Hosted,,,,{at(day, 16)},{at(day, 17)},",
    )

    out, err = import_visits(path)

    assert err == ""
    assert out.strip() == (
        "Visits: 3 planned, 0 skipped (already planned), 0 failed. "
        "Visitors: 3 registered, 0 reused."
    )
    jackie = Visit.objects.get(visitor__name="Jackie Chan")
    paris = ZoneInfo("Europe/Paris")
    assert jackie.starts_at == datetime(day.year, day.month, day.day, 9, tzinfo=paris)
    assert jackie.ends_at == datetime(day.year, day.month, day.day, 11, tzinfo=paris)
    assert (jackie.host, jackie.purpose, jackie.status) == (hedy, "Rehearsal", "expected")
    assert (jackie.visitor.email, jackie.visitor.company) == ("jackie@example.com", "JC Group")
    ada = Visit.objects.get(visitor__name="Ada Byron")
    assert ada.host == alan  # by email, whatever its case
    assert ada.starts_at == datetime(day.year, day.month, day.day, 14, tzinfo=ZoneInfo("UTC"))
    assert Visit.objects.get(visitor__name="Nobody Hosted").host is None
    assert not Notification.objects.filter(event="visit.invited").exists()


def test_visitors_are_reused_by_email_else_by_exact_name(tmp_path, hosts, day):
    by_email = make_visitor("John Schneider", email="john@example.com", company="Acme")
    by_name = make_visitor("Walk In")
    path = csv_file(
        tmp_path,
        f"J. Schneider,JOHN@example.com,Other Co,E-100,{at(day, 9)},{at(day, 10)},",
        f"Walk In,,,E-100,{at(day, 9)},{at(day, 10)},",
        f"walk in,,,E-100,{at(day, 11)},{at(day, 12)},",  # not the same name: a new visitor
    )

    out, _ = import_visits(path)

    assert "Visits: 3 planned" in out and "Visitors: 1 registered, 2 reused." in out
    assert by_email.visits.count() == 2 and by_name.visits.count() == 2
    by_email.refresh_from_db()
    assert (by_email.name, by_email.company) == ("John Schneider", "Acme")  # kept as they are
    assert Visitor.objects.filter(name="walk in").count() == 1


def test_bad_rows_are_reported_by_line_and_the_others_imported(tmp_path, hosts, day):
    make_employee("Gone Away", staff_number="E-999", active=False)
    path = csv_file(
        tmp_path,
        f"Good One,one@example.com,,E-100,{at(day, 9)},{at(day, 10)},",
        f"Bad Time,,,E-100,tomorrow at nine,{at(day, 10)},",
        f"Backwards,,,E-100,{at(day, 10)},{at(day, 9)},",
        f"Unknown Host,,,E-404,{at(day, 9)},{at(day, 10)},",
        f"Inactive Host,,,E-999,{at(day, 9)},{at(day, 10)},",
        f",,,E-100,{at(day, 9)},{at(day, 10)},",
        f"Bad Mail,not-an-address,,,{at(day, 9)},{at(day, 10)},",
        f'"Multi, Line",,,E-100,{at(day, 9)},{at(day, 10)},"first\nsecond"',
        f"Too Many,,,E-100,{at(day, 9)},{at(day, 10)},,extra",
        f"Good Two,,,E-200,{at(day, 11)},{at(day, 12)},",
    )

    out, err, error = import_failing(path)

    assert err.splitlines() == [
        "Line 3: not imported: starts_at: 'tomorrow at nine' is not an ISO 8601 date-time "
        "like 2025-05-01T09:00.",
        "Line 4: not imported: ends_at: The visit must end after it starts.",
        "Line 5: not imported: host: no employee has the staff number or email 'E-404'.",
        "Line 6: not imported: host: Gone Away is no longer an active employee.",
        "Line 7: not imported: name: a visitor's name (or email) is required.",
        "Line 8: not imported: email: Enter a valid email address.",
        "Line 11: not imported: more fields than the header has columns.",
    ]
    assert error == "7 rows not imported: see the lines above; fix them and run the import again."
    assert "Visits: 3 planned, 0 skipped (already planned), 7 failed." in out
    assert set(Visitor.objects.values_list("name", flat=True)) == {
        "Good One",
        "Multi, Line",
        "Good Two",
    }
    assert Visit.objects.count() == 3
    assert Visit.objects.get(visitor__name="Multi, Line").purpose == "first\nsecond"


def test_columns_in_any_order_and_case_from_a_spreadsheet(tmp_path, hosts, day):
    """A spreadsheet's export: a byte-order mark, its own column order and case, an extra
    column (ignored, and said so)."""
    path = tmp_path / "export.csv"
    path.write_text(
        "\ufeffStarts_At,Ends_At,Name,Host,Notes\n"
        f"{at(day, 9)},{at(day, 10)},Jackie Chan,E-100,bring ID\n"
        f",{at(day, 10)},No Start,E-100,\n"
        f"{day.isoformat()}T25:00,{at(day, 10)},Bad Hour,E-100,\n",
        encoding="utf-8",
    )

    out, err, _ = import_failing(path)

    assert err.splitlines() == [
        "Columns ignored: notes.",
        "Line 3: not imported: starts_at: required.",
        f"Line 4: not imported: starts_at: '{day.isoformat()}T25:00' is not an ISO 8601 "
        "date-time like 2025-05-01T09:00.",
    ]
    assert "Visits: 1 planned" in out
    assert Visit.objects.get().visitor.name == "Jackie Chan"


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{HEADER}\nJosé Müller,,,,2030-01-01T09:00,2030-01-01T10:00,\n".encode("latin-1")
    )

    with pytest.raises(CommandError, match="not a UTF-8 CSV file"):
        import_visits(path)


def test_a_file_without_the_columns_is_refused(tmp_path):
    path = csv_file(tmp_path, "Jackie,2025-01-01T09:00", header="name,starts")

    with pytest.raises(CommandError, match="the header has no starts_at, ends_at column"):
        import_visits(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        import_visits(tmp_path / "nowhere.csv")


def test_a_dry_run_checks_every_row_and_writes_nothing(tmp_path, hosts, day):
    make_visitor("Walk In")
    path = csv_file(
        tmp_path,
        f"Jackie Chan,jackie@example.com,,E-100,{at(day, 9)},{at(day, 11)},",
        f"Jackie Chan,jackie@example.com,,E-100,{at(day, 14)},{at(day, 15)},",
        f"Jackie Chan,jackie@example.com,,E-100,{at(day, 9)},{at(day, 11)},",  # the first again
        f"Walk In,,,,{at(day, 9)},{at(day, 10)},",  # reused, but has no address to invite
        f"Backwards,,,E-100,{at(day, 10)},{at(day, 9)},",
    )
    visits_before = Visit.objects.count()

    out, err, _ = import_failing(path, "--dry-run", "--invite")

    assert err.splitlines() == [
        "Line 5: not imported: visitor: The visitor has no email address to invite.",
        "Line 6: not imported: ends_at: The visit must end after it starts.",
    ]
    assert out.splitlines() == [
        f"Dry run of {path}, nothing was written.",
        "Visits: 2 to plan, 2 to invite, 1 skipped (already planned), 2 failed. "
        "Visitors: 1 to register, 1 reused.",
    ]
    assert Visit.objects.count() == visits_before
    assert list(Visitor.objects.values_list("name", flat=True)) == ["Walk In"]
    assert not Notification.objects.exists()

    out, err = import_visits(
        csv_file(tmp_path, f"Walk In,,,,{at(day, 9)},{at(day, 10)},"), "--dry-run"
    )

    assert err == "" and "Visits: 1 to plan" in out and "Visitors: 0 to register, 1 reused." in out
    assert Visit.objects.count() == visits_before


def test_running_the_same_file_again_plans_nothing_twice(tmp_path, hosts, day):
    path = csv_file(
        tmp_path,
        f"Jackie Chan,jackie@example.com,,E-100,{at(day, 9)},{at(day, 11)},",
        f"Walk In,,,,{at(day, 9)},{at(day, 10)},",
    )
    import_visits(path)

    out, err = import_visits(path)

    assert err == ""
    assert out.strip() == (
        "Visits: 0 planned, 2 skipped (already planned), 0 failed. "
        "Visitors: 0 registered, 0 reused."
    )
    assert Visit.objects.count() == 2 and Visitor.objects.count() == 2


@pytest.mark.django_db(transaction=True)  # the outbox delivers once each row commits
def test_invite_emails_each_visitor_and_refuses_rows_without_an_address(
    tmp_path, hosts, day, smtp_inbox
):
    path = csv_file(
        tmp_path,
        f"Jackie Chan,jackie@example.com,,E-100,{at(day, 9)},{at(day, 11)},",
        f"Ada Byron,ada@example.com,,,{at(day, 9)},{at(day, 11)},",
        f"No Mail,,,E-100,{at(day, 9)},{at(day, 11)},",
    )

    out, err, _ = import_failing(path, "--invite")

    assert err == "Line 4: not imported: visitor: The visitor has no email address to invite.\n"
    assert "Visits: 2 planned, 2 invited, 0 skipped (already planned), 1 failed." in out
    assert sorted(email["To"] for email in smtp_inbox) == ["ada@example.com", "jackie@example.com"]
    assert {visit.status for visit in Visit.objects.all()} == {Visit.Status.INVITED}
    assert not Visitor.objects.filter(name="No Mail").exists()  # all or nothing

    again_out, _, _ = import_failing(path, "--invite")

    assert "0 planned, 0 invited, 2 skipped (already planned), 1 failed" in again_out
    assert len(smtp_inbox) == 2  # nobody is invited twice
