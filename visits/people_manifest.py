"""`import_people`'s manifest: a CSV file of the real details of the people in DIR's folders,
one row a folder. Its rows are read, checked and matched to the folders before anything is
written, so that a bad row is reported by its line and only its own folder is left out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from accounts.models import Person
from visits.imports import (
    CsvRow,
    RowRefused,
    datetime_cell,
    host_by_reference,
    read_csv_rows,
    row_cells,
)

MANIFEST_NAME = "people.csv"  # read from DIR when no --manifest is given
MANIFEST_COLUMNS = {
    Person.Kind.EMPLOYEE: ("folder", "name", "staff_number", "email", "department"),
    Person.Kind.VISITOR: ("folder", "name", "email", "company", "host", "visit_start", "visit_end"),
}
DETAIL_COLUMNS = ("name", "staff_number", "email", "department", "company")
UNIQUE_COLUMNS = ("folder", "staff_number", "email")  # no two rows may share one of these


@dataclass
class ManifestRow:
    """A person's manifest row: the details it gives (blank cells left out) and, for a
    visitor, the visit it plans (the command line's window and host where the row has none)."""

    line: int
    details: dict[str, str]
    visit: dict | None = None


@dataclass
class PersonFolder:
    """One person's folder of photos, with their manifest row when there is one."""

    folder_name: str
    photos: list[Path]
    row: ManifestRow | None = None

    @property
    def name(self) -> str:
        """The name the folder gives: underscores become spaces."""
        return " ".join(self.folder_name.replace("_", " ").split())

    @property
    def label(self) -> str:
        return f"Line {self.row.line} ({self.folder_name})" if self.row else self.folder_name


def read_manifest(path: Path, *, kind: str, warn: Callable[[str], None]) -> list[CsvRow]:
    """The rows of the manifest, each with the line it ends on; an unusable file stops the
    import before anything is written."""
    columns = MANIFEST_COLUMNS[kind]
    kind_reads = f"--kind {kind} reads {','.join(columns)}"
    return read_csv_rows(
        path,
        required=("folder",),
        known=columns,
        columns_note=kind_reads,
        on_unknown=lambda unknown: warn(
            f"{path.name}: columns ignored: {', '.join(unknown)} ({kind_reads})."
        ),
    )


def match_rows(
    rows: list[CsvRow],
    folders: list[PersonFolder],
    *,
    root: Path,
    empty_folders: set[str],
    kind: str,
    default_visit: dict,
    refuse: Callable[[str, RowRefused], None],
) -> list[PersonFolder]:
    """The folders to import, each given its manifest row if it has one. A refused row is
    reported to `refuse` with its line, and its folder is not imported: better no one than
    someone with another's details. `default_visit` is the command line's window and host."""
    checker = _RowChecker(kind, default_visit)
    by_name = {folder.folder_name: folder for folder in folders}
    refused: set[str] = set()
    for line, row in rows:
        folder_name = (row.get("folder") or "").strip().rstrip("/")
        try:
            manifest_row = checker.check(line, row)
            if folder_name in empty_folders:
                raise RowRefused(f"folder: {folder_name!r} has no photos.")
            if folder_name not in by_name:
                raise RowRefused(f"folder: no folder {folder_name!r} in {root}.")
            by_name[folder_name].row = manifest_row
        except RowRefused as refusal:
            refuse(f"Line {line}", refusal)
            refused.add(folder_name)
    return [folder for folder in folders if folder.folder_name not in refused]


@dataclass
class _RowChecker:
    """Checks the manifest's rows in turn; it remembers the line each unique value was first
    on, to name it when a later row repeats it."""

    kind: str
    default_visit: dict
    first_lines: dict[tuple[str, str], int] = field(default_factory=dict)

    def check(self, line: int, row: dict) -> ManifestRow:
        value = row_cells(row, MANIFEST_COLUMNS[self.kind])
        value["folder"] = value["folder"].rstrip("/")
        if not value["folder"]:
            raise RowRefused("folder: required.")
        for column in UNIQUE_COLUMNS:
            if value.get(column):
                key = value[column].lower() if column == "email" else value[column]
                first = self.first_lines.setdefault((column, key), line)
                if first != line:
                    raise RowRefused(f"{column}: {value[column]!r} is on line {first} already.")
        details = {column: value[column] for column in DETAIL_COLUMNS if value.get(column)}
        if self.kind == Person.Kind.EMPLOYEE:
            return ManifestRow(line, details)
        return ManifestRow(line, details, self._visit(value))

    def _visit(self, value: dict[str, str]) -> dict:
        """A visitor row's visit: its own start, end and host, the command line's otherwise."""
        start, end = (datetime_cell(value, column) for column in ("visit_start", "visit_end"))
        starts_at = start or self.default_visit["starts_at"]
        ends_at = end or (start + timedelta(days=1) if start else self.default_visit["ends_at"])
        if ends_at <= starts_at:
            raise RowRefused("visit_end: the visit must end after it starts.")
        host = host_by_reference(value["host"]) if value["host"] else self.default_visit["host"]
        return {"starts_at": starts_at, "ends_at": ends_at, "host": host}
