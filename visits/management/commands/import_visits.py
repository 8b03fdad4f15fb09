"""Plan visits in bulk from a CSV file: one visit a row, its visitor reused or registered."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from accounts.models import Employee, Visitor
from accounts.selectors import visitor_returning
from visits.invitations import visit_plan
from visits.models import Visit

COLUMNS = ("name", "email", "company", "host", "starts_at", "ends_at", "purpose")
REQUIRED_COLUMNS = ("name", "starts_at", "ends_at")


class RowRefused(Exception):
    """Why a row is not imported (the words of the report)."""


class DryRunDone(Exception):
    """Raised to roll a dry run's row back once it is known to be good."""


@dataclass
class Tally:
    planned: int = 0
    invited: int = 0
    skipped: int = 0
    failed: int = 0
    visitors_created: int = 0
    visitors_reused: int = 0


class Command(BaseCommand):
    help = (
        "Plan visits from a CSV file with the columns name,email,company,host,starts_at,ends_at,"
        "purpose (host: the employee's staff number or email; times ISO 8601, in the site's "
        "time zone when they have none). A visitor is reused by email (by exact name when the "
        "row has no email), else registered. Each row is planned or not at all; bad rows are "
        "reported with their line number and the others imported. Re-running is safe: a row "
        "whose visitor already has a visit starting then is skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.csv", type=Path)
        parser.add_argument(
            "--invite", action="store_true", help="Email each visitor their invitation."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row, write nothing."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        self.invite = options["invite"]
        self.dry_run = options["dry_run"]
        self.tally = Tally()
        # A dry run writes nothing, so it remembers what earlier rows would have written.
        self.would_register: set[str] = set()
        self.would_plan: set[tuple[str, datetime]] = set()
        rows = self._read(path)
        show_progress = not options["no_progress"] and sys.stderr.isatty()
        for line, row in tqdm(rows, unit="row", file=sys.stderr, disable=not show_progress):
            try:
                self._import_row(row)
            except RowRefused as refusal:
                self.tally.failed += 1
                self._warn(f"Line {line}: not imported: {refusal}")
        self._print_summary(path)
        if self.tally.failed:
            raise CommandError(
                f"{self.tally.failed} row{'s' if self.tally.failed != 1 else ''} not imported: "
                "see the lines above; fix them and run the import again."
            )

    def _read(self, path: Path) -> list[tuple[int, dict[str, str]]]:
        """The rows of the file, each with the line it ends on."""
        try:
            with path.open(encoding="utf-8-sig", newline="") as file:
                reader = csv.DictReader(file)
                header = [column.strip().lower() for column in reader.fieldnames or []]
                missing = [column for column in REQUIRED_COLUMNS if column not in header]
                if missing:
                    raise CommandError(
                        f"{path}: the header has no {', '.join(missing)} column "
                        f"(expected {','.join(COLUMNS)})."
                    )
                unknown = [column for column in header if column not in COLUMNS]
                if unknown:
                    self._warn(f"Columns ignored: {', '.join(unknown)}.")
                reader.fieldnames = header
                return [(reader.line_num, row) for row in reader]
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file.") from None
        except (UnicodeDecodeError, csv.Error) as error:
            raise CommandError(f"{path}: not a UTF-8 CSV file ({error}).") from None

    def _import_row(self, row: dict) -> None:
        if None in row:
            raise RowRefused("more fields than the header has columns.")
        value = {column: (row.get(column) or "").strip() for column in COLUMNS}
        if not value["name"] and not value["email"]:
            raise RowRefused("name: a visitor's name (or email) is required.")
        starts_at = self._datetime(value, "starts_at")
        ends_at = self._datetime(value, "ends_at")
        host = self._host(value["host"])
        visitor = visitor_returning(email=value["email"], name=value["name"])
        key = value["email"].lower() or f"name:{value['name']}"
        if self._already_planned(visitor, key, starts_at):
            self.tally.skipped += 1
            return
        try:
            with transaction.atomic():
                visit_plan(
                    visitor=visitor,
                    new_visitor=None
                    if visitor
                    else {field: value[field] for field in ("name", "email", "company")},
                    starts_at=starts_at,
                    ends_at=ends_at,
                    host=host,
                    purpose=value["purpose"],
                    invite=self.invite,
                )
                if self.dry_run:
                    raise DryRunDone
        except ValidationError as error:
            raise RowRefused(_reasons(error)) from None
        except DryRunDone:
            pass
        if visitor is not None or key in self.would_register:
            self.tally.visitors_reused += 1
        else:
            self.tally.visitors_created += 1
        if self.dry_run:
            self.would_register.add(key)
            self.would_plan.add((key, starts_at))
        self.tally.planned += 1
        if self.invite:
            self.tally.invited += 1

    @staticmethod
    def _datetime(value: dict[str, str], column: str) -> datetime:
        text = value[column]
        if not text:
            raise RowRefused(f"{column}: required.")
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise RowRefused(
                f"{column}: {text!r} is not an ISO 8601 date-time like 2025-05-01T09:00."
            )
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)

    @staticmethod
    def _host(reference: str) -> Employee | None:
        """The employee of this staff number, else of this email address; None when blank."""
        if not reference:
            return None
        employee = (
            Employee.objects.filter(staff_number=reference).first()
            or Employee.objects.filter(email__iexact=reference).order_by("pk").first()
        )
        if employee is None:
            raise RowRefused(f"host: no employee has the staff number or email {reference!r}.")
        return employee

    def _already_planned(self, visitor: Visitor | None, key: str, starts_at: datetime) -> bool:
        if self.dry_run and (key, starts_at) in self.would_plan:
            return True
        return (
            visitor is not None
            and Visit.objects.filter(visitor=visitor, starts_at=starts_at).exists()
        )

    def _warn(self, message: str) -> None:
        """Report a problem on stderr without tearing the progress bar."""
        with tqdm.external_write_mode(file=sys.stderr):
            self.stderr.write(message, style_func=self.style.WARNING)

    def _print_summary(self, path: Path) -> None:
        tally = self.tally
        if self.dry_run:
            self.stdout.write(f"Dry run of {path}, nothing was written.")
        planned = "to plan" if self.dry_run else "planned"
        parts = [f"{tally.planned} {planned}"]
        if self.invite:
            parts.append(f"{tally.invited} {'to invite' if self.dry_run else 'invited'}")
        parts += [f"{tally.skipped} skipped (already planned)", f"{tally.failed} failed"]
        created = "to register" if self.dry_run else "registered"
        self.stdout.write(
            f"Visits: {', '.join(parts)}. Visitors: {tally.visitors_created} {created}, "
            f"{tally.visitors_reused} reused."
        )


def _reasons(error: ValidationError) -> str:
    """A service's `ValidationError` in one line: `field: message; …`."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        f"{message}" if field == "__all__" else f"{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    )
