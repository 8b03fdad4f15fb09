"""Plan visits in bulk from a CSV file: one visit a row, its visitor reused or registered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from accounts.models import Visitor
from accounts.selectors import visitor_returning
from visits.imports import (
    CsvRow,
    ImportCommand,
    ImportTally,
    RowRefused,
    datetime_cell,
    host_by_reference,
    read_csv_rows,
    row_cells,
    validation_reasons,
)
from visits.invitations import visit_plan
from visits.models import Visit

COLUMNS = ("name", "email", "company", "host", "starts_at", "ends_at", "purpose")
REQUIRED_COLUMNS = ("name", "starts_at", "ends_at")


class DryRunDone(Exception):
    """Raised to roll a dry run's row back once it is known to be good."""


@dataclass
class Tally(ImportTally):
    planned: int = 0
    invited: int = 0
    skipped: int = 0
    visitors_created: int = 0
    visitors_reused: int = 0


class Command(ImportCommand):
    help = (
        "Plan visits from a CSV file with the columns name,email,company,host,starts_at,ends_at,"
        "purpose (host: the employee's staff number or email; times ISO 8601, in the site's "
        "time zone when they have none). A visitor is reused by email (by exact name when the "
        "row has no email), else registered. Each row is planned or not at all; bad rows are "
        "reported with their line number and the others imported. Re-running is safe: a row "
        "whose visitor already has a visit starting then is skipped."
    )
    tally: Tally
    dry_run_help = "Check every row, write nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.csv", type=Path)
        parser.add_argument(
            "--invite", action="store_true", help="Email each visitor their invitation."
        )
        super().add_arguments(parser)

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        self.invite = options["invite"]
        self.dry_run = options["dry_run"]
        self.tally = Tally()
        # A dry run writes nothing, so it remembers what earlier rows would have written.
        self.would_register: set[str] = set()
        self.would_plan: set[tuple[str, datetime]] = set()
        rows = self._read(path)
        for line, row in self._progress(options, iterable=rows, unit="row"):
            try:
                self._import_row(row)
            except RowRefused as refusal:
                self._refuse(f"Line {line}", refusal)
        self._print_summary(path)
        if self.tally.failed:
            raise CommandError(
                f"{self.tally.failed} row{'s' if self.tally.failed != 1 else ''} not imported: "
                "see the lines above; fix them and run the import again."
            )

    def _read(self, path: Path) -> list[CsvRow]:
        """The rows of the file, each with the line it ends on."""
        return read_csv_rows(
            path,
            required=REQUIRED_COLUMNS,
            known=COLUMNS,
            columns_note=f"expected {','.join(COLUMNS)}",
            on_unknown=lambda unknown: self._warn(f"Columns ignored: {', '.join(unknown)}."),
        )

    def _import_row(self, row: dict) -> None:
        value = row_cells(row, COLUMNS)
        if not value["name"] and not value["email"]:
            raise RowRefused("name: a visitor's name (or email) is required.")
        starts_at = self._datetime(value, "starts_at")
        ends_at = self._datetime(value, "ends_at")
        host = host_by_reference(value["host"]) if value["host"] else None
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
            raise RowRefused(validation_reasons(error)) from None
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
        """A visit's start or end: every row needs both."""
        parsed = datetime_cell(value, column)
        if parsed is None:
            raise RowRefused(f"{column}: required.")
        return parsed

    def _already_planned(self, visitor: Visitor | None, key: str, starts_at: datetime) -> bool:
        if self.dry_run and (key, starts_at) in self.would_plan:
            return True
        return (
            visitor is not None
            and Visit.objects.filter(visitor=visitor, starts_at=starts_at).exists()
        )

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
