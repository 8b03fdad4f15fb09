"""What the bulk imports (`import_people`, `import_visits`) share: reading a spreadsheet's CSV
export, reading its cells, and reporting a refused row by its line while the others go on."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from accounts.models import Employee

CsvRow = tuple[int, dict[str, str]]  # the line a row ends on, and its cells by column


class RowRefused(Exception):
    """Why a row (or a person) is not imported, in the words of the report."""


def parse_iso_datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time, in the site's time zone when it has none; None if it is not one."""
    try:
        parsed = parse_datetime(text)
    except ValueError:  # well-formed but impossible, like month 13
        return None
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def read_csv_rows(
    path: Path,
    *,
    required: Sequence[str],
    known: Sequence[str],
    columns_note: str,
    on_unknown: Callable[[list[str]], None],
) -> list[CsvRow]:
    """The rows of a CSV file with a header, each with the line it ends on (a quoted cell may
    span lines). A spreadsheet's export is taken as it comes: UTF-8 with or without a byte-order
    mark, columns in any order and case; `on_unknown` hears of the columns not `known`. A file
    that cannot be read, or lacks a `required` column, stops the import before anything is
    written; `columns_note` (like "expected a,b,c") says what the header should hold."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            header = [column.strip().lower() for column in reader.fieldnames or []]
            missing = [column for column in required if column not in header]
            if missing:
                raise CommandError(
                    f"{path}: the header has no {', '.join(missing)} column ({columns_note})."
                )
            unknown = [column for column in header if column not in known]
            if unknown:
                on_unknown(unknown)
            reader.fieldnames = header
            return [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file.") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"{path}: not a UTF-8 CSV file ({error}).") from None


def row_cells(row: dict, columns: Iterable[str]) -> dict[str, str]:
    """The row's cells of these columns, stripped ("" when blank or absent). A row with more
    fields than the header is refused: its cells would be read against the wrong columns."""
    if None in row:  # csv.DictReader files the extra fields under None
        raise RowRefused("more fields than the header has columns.")
    return {column: (row.get(column) or "").strip() for column in columns}


def datetime_cell(cells: dict[str, str], column: str) -> datetime | None:
    """The column's date-time (see `parse_iso_datetime`); None when blank."""
    text = cells[column]
    if not text:
        return None
    parsed = parse_iso_datetime(text)
    if parsed is None:
        raise RowRefused(f"{column}: {text!r} is not an ISO 8601 date-time like 2025-05-01T09:00.")
    return parsed


def host_by_reference(reference: str) -> Employee:
    """The employee of this staff number, else of this email address: a spreadsheet may give
    either."""
    employee = (
        Employee.objects.filter(staff_number=reference).first()
        or Employee.objects.filter(email__iexact=reference).order_by("pk").first()
    )
    if employee is None:
        raise RowRefused(f"host: no employee has the staff number or email {reference!r}.")
    return employee


def validation_reasons(error: ValidationError) -> str:
    """A service's `ValidationError` in one line of the report: `field: message; …`."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        message if column == "__all__" else f"{column}: {message}"
        for column, messages in error.message_dict.items()
        for message in messages
    )


@dataclass
class ImportTally:
    """What every import counts: the rows (or people) refused, which fail the command."""

    failed: int = 0


class ImportCommand(BaseCommand):
    """A bulk import: problems reported on stderr as they come, under a progress bar, and each
    refused row (or person) counted and named."""

    tally: ImportTally
    dry_run_help = "Check everything, write nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        """The options every import has; a command adds its own first."""
        parser.add_argument("--dry-run", action="store_true", help=self.dry_run_help)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def _progress(self, options: dict, **bar: object) -> tqdm:
        """A progress bar on stderr, shown only to a person at a terminal."""
        show_progress = not options["no_progress"] and sys.stderr.isatty()
        return tqdm(file=sys.stderr, disable=not show_progress, **bar)

    def _refuse(self, label: str, reason: RowRefused | str) -> None:
        """Count a refusal and say why; `label` names the row, like "Line 4"."""
        self.tally.failed += 1
        self._warn(f"{label}: not imported: {reason}")

    def _warn(self, message: str) -> None:
        """Report a problem on stderr without tearing the progress bar."""
        with tqdm.external_write_mode(file=sys.stderr):
            self.stderr.write(message, style_func=self.style.WARNING)
