"""Onboard a company from a folder of photos: one sub-folder per person. Imported visitors get a
visit (here, not in `accounts`, because visits are this app's)."""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from accounts import services as people
from accounts.models import Employee, FacePhoto, Person, Visitor
from vision.errors import ImageRejected
from vision.images import prepare_image
from visits.services import visit_create

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def staff_number_for(name: str) -> str:
    """The staff number an imported employee gets: stable, so a re-run finds them again."""
    return "IMP-" + hashlib.sha256(name.encode()).hexdigest()[:10].upper()


def iso_datetime(value: str) -> datetime:
    """An argparse type: an ISO 8601 date-time, in the site's time zone when it has none."""
    parsed = parse_datetime(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date-time like 2025-05-01T09:00")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@dataclass
class PersonFolder:
    name: str
    photos: list[Path]


@dataclass
class Tally:
    """What the import did, for the closing summary."""

    people_created: int = 0
    people_reused: int = 0
    people_failed: int = 0
    indexed: int = 0
    to_enrol: int = 0  # dry run only
    pending: int = 0  # stored; indexing runs in another process
    awaiting_consent: int = 0
    rejected: Counter = field(default_factory=Counter)
    skipped: int = 0
    unreadable: int = 0
    ignored: int = 0

    def count(self, photo: FacePhoto) -> None:
        if photo.state == FacePhoto.State.INDEXED:
            self.indexed += 1
        elif photo.rejection_reason == FacePhoto.Rejection.NO_CONSENT:
            self.awaiting_consent += 1
        elif photo.state == FacePhoto.State.REJECTED:
            self.rejected[photo.rejection_reason] += 1
        else:
            self.pending += 1


class Command(BaseCommand):
    help = (
        "Import people from DIR/<Name>/*.jpg|jpeg|png|webp (underscores in the folder name "
        "become spaces) and enrol their photos. Re-running is safe: a person of the same name "
        "and kind is reused as they are, and photos already imported for them are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory", metavar="DIR", type=Path, help="One folder of photos per person."
        )
        parser.add_argument("--kind", choices=Person.Kind.values, required=True)
        parser.add_argument(
            "--consent-recorded-by",
            metavar="NAME",
            default="",
            help="Who collected these people's consent. Without it, photos are stored but "
            "not indexed until consent is recorded.",
        )
        parser.add_argument(
            "--visit-start",
            type=iso_datetime,
            metavar="ISO_DATETIME",
            help="Visitors only; default: now.",
        )
        parser.add_argument(
            "--visit-end",
            type=iso_datetime,
            metavar="ISO_DATETIME",
            help="Visitors only; default: a day after the start.",
        )
        parser.add_argument(
            "--host", metavar="STAFF_NUMBER", help="Visitors only: the employee they visit."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything, write nothing."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options) -> None:
        root: Path = options["directory"]
        if not root.is_dir():
            raise CommandError(f"{root} is not a directory.")
        self.kind = options["kind"]
        self.consent_by = options["consent_recorded_by"].strip()
        self.dry_run = options["dry_run"]
        self.visit_fields = self._visit_fields(options)
        self.tally = Tally()
        if not self.consent_by:
            self._warn(
                "No --consent-recorded-by: new people are created without consent; their "
                "photos are stored but not indexed until consent is recorded (re-run with "
                "--consent-recorded-by to record it)."
            )

        folders = self._person_folders(root)
        if not folders:
            self._warn(f"No person folders with photos in {root}.")
        show_progress = not options["no_progress"] and sys.stderr.isatty()
        with tqdm(
            total=sum(len(folder.photos) for folder in folders),
            unit="photo",
            file=sys.stderr,
            disable=not show_progress,
        ) as self.progress:
            for folder in folders:
                self.progress.set_postfix_str(folder.name)
                self._import_folder(folder)
        self._print_summary(root)

    def _visit_fields(self, options: dict) -> dict:
        """The visit window and host new visitors get; refuses visitor options for employees."""
        visitor_flags = {
            "visit_start": "--visit-start",
            "visit_end": "--visit-end",
            "host": "--host",
        }
        given = [flag for key, flag in visitor_flags.items() if options[key]]
        if self.kind == Person.Kind.EMPLOYEE:
            if given:
                raise CommandError(f"{', '.join(given)} only apply to --kind visitor.")
            return {}
        start = options["visit_start"] or timezone.now()
        end = options["visit_end"] or start + timedelta(days=1)
        if end <= start:
            raise CommandError("--visit-end must be after --visit-start.")
        host = None
        if options["host"]:
            host = Employee.objects.filter(staff_number=options["host"]).first()
            if host is None:
                raise CommandError(f"No employee has staff number {options['host']!r}.")
        return {"starts_at": start, "ends_at": end, "host": host}

    def _person_folders(self, root: Path) -> list[PersonFolder]:
        """The person folders under root with their photo files; reports what is ignored."""
        folders = []
        for entry in sorted(root.iterdir()):
            if entry.name.startswith("."):
                continue
            if not entry.is_dir():
                self._ignore(entry, root, "not a person folder")
                continue
            photos = []
            for path in sorted(entry.iterdir()):
                if path.name.startswith("."):
                    continue
                if path.is_file() and path.suffix.lower() in PHOTO_SUFFIXES:
                    photos.append(path)
                else:
                    self._ignore(path, root, f"not a {'/'.join(PHOTO_SUFFIXES)} file")
            name = " ".join(entry.name.replace("_", " ").split())
            if photos:
                folders.append(PersonFolder(name=name, photos=photos))
            else:
                self._warn(f"{entry.name}: no photos, nobody imported.")
        return folders

    def _import_folder(self, folder: PersonFolder) -> None:
        person = self._existing_person(folder.name)
        if person is not None:
            self.tally.people_reused += 1
            if self.consent_by and not person.has_consent and not self.dry_run:
                people.consent_record(person=person, recorded_by=self.consent_by)
            if isinstance(person, Visitor) and not self.dry_run:
                self._plan_visit(person)
            known_photos = self._stored_photo_digests(person)
        else:
            try:
                person = None if self.dry_run else self._create_person(folder.name)
            except ValidationError as error:
                self._warn(f"{folder.name}: not imported: {'; '.join(error.messages)}")
                self.tally.people_failed += 1
                self.progress.update(len(folder.photos))
                return
            self.tally.people_created += 1
            known_photos = set()
        for path in folder.photos:
            self._import_photo(person, path, known_photos)
            self.progress.update(1)

    def _existing_person(self, name: str) -> Employee | Visitor | None:
        """The person of this name and kind, or the employee an earlier import created."""
        if self.kind == Person.Kind.EMPLOYEE:
            return (
                Employee.objects.filter(name=name).order_by("pk").first()
                or Employee.objects.filter(staff_number=staff_number_for(name)).first()
            )
        return Visitor.objects.filter(name=name).order_by("pk").first()

    def _create_person(self, name: str) -> Employee | Visitor:
        fields: dict = {"name": name}
        if self.consent_by:
            fields |= {
                "consent_recorded_by": self.consent_by,
                "consent_recorded_at": timezone.now(),
            }
        if self.kind == Person.Kind.EMPLOYEE:
            return people.employee_create(staff_number=staff_number_for(name), **fields)
        with transaction.atomic():
            visitor = people.visitor_create(**fields)
            self._plan_visit(visitor)
        return visitor

    def _plan_visit(self, visitor: Visitor) -> None:
        """The visit of the import's window, unless the visitor has one starting then."""
        if not visitor.visits.filter(starts_at=self.visit_fields["starts_at"]).exists():
            visit_create(visitor=visitor, **self.visit_fields)

    @staticmethod
    def _stored_photo_digests(person: Person) -> set[str]:
        """SHA-256 of each stored photo of a person, as recorded at enrolment."""
        return set(person.photos.values_list("content_sha256", flat=True))

    def _import_photo(self, person: Person | None, path: Path, known_photos: set[str]) -> None:
        label = f"{path.parent.name}/{path.name}"
        try:
            content = path.read_bytes()
        except OSError as error:
            self.tally.unreadable += 1
            self._warn(f"{label}: unreadable: {error.strerror or error}")
            return
        digest = hashlib.sha256(content).hexdigest()
        if digest in known_photos:
            self.tally.skipped += 1
            return
        try:
            if self.dry_run:
                prepare_image(content)
                self.tally.to_enrol += 1
            else:
                with transaction.atomic():  # indexing starts when this commits
                    photo = people.photo_enroll(person=person, upload=content)
                photo.refresh_from_db()
                self._count_photo(photo, label)
        except ImageRejected as rejected:
            self.tally.unreadable += 1
            self._warn(f"{label}: unreadable ({rejected.code}): {rejected.message}")
            return
        known_photos.add(digest)

    def _count_photo(self, photo: FacePhoto, label: str) -> None:
        self.tally.count(photo)
        if photo.state == FacePhoto.State.REJECTED and photo.rejection_reason != "no_consent":
            reason = FacePhoto.Rejection(photo.rejection_reason).label
            self._warn(f"{label}: stored but not indexed: {reason.lower()}")

    def _ignore(self, path: Path, root: Path, why: str) -> None:
        self.tally.ignored += 1
        self._warn(f"{path.relative_to(root)}: ignored, {why}.")

    def _warn(self, message: str) -> None:
        """Report a problem on stderr without tearing the progress bar."""
        with tqdm.external_write_mode(file=sys.stderr):
            self.stderr.write(message, style_func=self.style.WARNING)

    def _print_summary(self, root: Path) -> None:
        tally = self.tally
        if self.dry_run:
            self.stdout.write(f"Dry run for {root}, nothing was written.")
        people_line = (
            f"People ({self.kind}s): {tally.people_created} "
            f"{'to create' if self.dry_run else 'created'}, {tally.people_reused} reused"
        )
        if tally.people_failed:
            people_line += f", {tally.people_failed} failed"
        photos = [f"{tally.to_enrol} to enrol"] if self.dry_run else [f"{tally.indexed} indexed"]
        if tally.pending:
            photos.append(f"{tally.pending} queued for indexing")
        if tally.awaiting_consent:
            photos.append(f"{tally.awaiting_consent} stored without consent (not indexed)")
        if not self.dry_run:  # only indexing tells whether a face is usable
            rejected = sum(tally.rejected.values())
            reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(tally.rejected.items()))
            photos.append(f"{rejected} rejected" + (f" ({reasons})" if reasons else ""))
        photos.append(f"{tally.skipped} skipped (already imported)")
        photos.append(f"{tally.unreadable} unreadable")
        if tally.ignored:
            photos.append(f"{tally.ignored} other files ignored")
        self.stdout.write(people_line + ".")
        self.stdout.write("Photos: " + ", ".join(photos) + ".")
