"""Onboard a company from a folder of photos: one sub-folder per person, and a CSV manifest of
their real details where there is one. Imported visitors get a visit (here, not in `accounts`,
because visits are this app's)."""

from __future__ import annotations

import argparse
import hashlib
from datetime import datetime, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts import services as people
from accounts.models import Employee, FacePhoto, Person, Visitor
from vision.errors import ImageRejected
from vision.images import prepare_image
from visits.imports import ImportCommand, RowRefused, parse_iso_datetime, validation_reasons
from visits.people_manifest import MANIFEST_NAME, PersonFolder, match_rows, read_manifest
from visits.people_tally import Tally
from visits.services import visit_create

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MADE_UP_PREFIX = "IMP-"


def staff_number_for(name: str) -> str:
    """The staff number an imported employee gets without a manifest row: made up, but stable,
    so that a re-run finds them again."""
    return MADE_UP_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:10].upper()


def iso_datetime(value: str) -> datetime:
    """An argparse type: an ISO 8601 date-time, in the site's time zone when it has none."""
    parsed = parse_iso_datetime(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date-time like 2025-05-01T09:00")
    return parsed


class Command(ImportCommand):
    help = (
        "Import people from DIR/<Name>/*.jpg|jpeg|png|webp (underscores in the folder name "
        "become spaces) and enrol their photos. A CSV manifest (--manifest, or DIR/people.csv) "
        "gives their real details: a `folder` column, then name,staff_number,email,department "
        "for employees or name,email,company,host,visit_start,visit_end for visitors. Re-running "
        "is safe: a person is found again by staff number or email, then by name, and photos "
        "already imported for them are skipped. Exits with status 1 when a photo was unreadable "
        "or a person (or manifest row) could not be imported."
    )
    tally: Tally

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory", metavar="DIR", type=Path, help="One folder of photos per person."
        )
        parser.add_argument("--kind", choices=Person.Kind.values, required=True)
        parser.add_argument(
            "--manifest",
            metavar="FILE.csv",
            type=Path,
            help=f"The people's details, one row per folder (default: DIR/{MANIFEST_NAME} "
            "when there is one).",
        )
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
        super().add_arguments(parser)

    def handle(self, *args, **options) -> None:
        root: Path = options["directory"]
        if not root.is_dir():
            raise CommandError(f"{root} is not a directory.")
        self.kind = options["kind"]
        self.consent_by = options["consent_recorded_by"].strip()
        self.dry_run = options["dry_run"]
        self.visit_fields = self._visit_fields(options)
        self.tally = Tally()
        manifest = self._manifest_path(root, options["manifest"])
        rows = read_manifest(manifest, kind=self.kind, warn=self._warn) if manifest else []
        if not self.consent_by:
            self._warn(
                "No --consent-recorded-by: new people are created without consent; their "
                "photos are stored but not indexed until consent is recorded (re-run with "
                "--consent-recorded-by to record it)."
            )

        manifests = {options["manifest"], root / MANIFEST_NAME}  # not person folders
        folders, empty_folders = self._person_folders(root, skip=manifests)
        self.tally.photos_found = sum(len(folder.photos) for folder in folders)
        folders = match_rows(
            rows,
            folders,
            root=root,
            empty_folders=empty_folders,
            kind=self.kind,
            default_visit=self.visit_fields,
            refuse=self._refuse,
        )
        if not folders:
            self._warn(f"No person folders with photos in {root}.")
        total = sum(len(folder.photos) for folder in folders)
        with self._progress(options, total=total, unit="photo") as self.progress:
            for folder in folders:
                self.progress.set_postfix_str(folder.name)
                self._import_folder(folder)
        self._print_summary(root, manifest, len(rows))
        self._fail_if_anything_failed()

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

    # --- the manifest -----------------------------------------------------------------------
    def _manifest_path(self, root: Path, given: Path | None) -> Path | None:
        """--manifest, else DIR/people.csv when there is one."""
        in_root = root / MANIFEST_NAME
        if given is None:
            return in_root if in_root.is_file() else None
        if in_root.is_file() and in_root.resolve() != given.resolve():
            self._warn(f"{MANIFEST_NAME}: ignored, --manifest {given} is read instead.")
            self.tally.ignored += 1
        return given

    # --- the folders ------------------------------------------------------------------------
    def _person_folders(
        self, root: Path, skip: set[Path | None]
    ) -> tuple[list[PersonFolder], set[str]]:
        """The person folders under root with their photo files, and the names of those without
        any; reports what is ignored (the manifest files in `skip` aside)."""
        skip_resolved = {path.resolve() for path in skip if path is not None}
        folders, empty_folders = [], set()
        for entry in sorted(root.iterdir()):
            if entry.name.startswith(".") or entry.resolve() in skip_resolved:
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
            if photos:
                folders.append(PersonFolder(folder_name=entry.name, photos=photos))
            else:
                empty_folders.add(entry.name)
                self._warn(f"{entry.name}: no photos, nobody imported.")
        return folders, empty_folders

    def _import_folder(self, folder: PersonFolder) -> None:
        try:
            person, known_photos = self._person_for(folder)
        except RowRefused as refusal:
            self._refuse(folder.label, refusal)
        except ValidationError as error:
            self._refuse(folder.label, validation_reasons(error))
        else:
            for path in folder.photos:
                self._import_photo(person, path, known_photos)
                self.progress.update(1)
            return
        self.progress.update(len(folder.photos))

    def _person_for(self, folder: PersonFolder) -> tuple[Person | None, set[str]]:
        """The person the folder is (None for one a dry run would create) and the digests of
        their stored photos. A person found again gets the row's details, consent and visit."""
        given = folder.row.details if folder.row else {}
        visit = folder.row.visit if folder.row and folder.row.visit else self.visit_fields
        person = self._existing_person(folder, given)
        if person is None:
            person = self._create_person(folder, given, visit)
            self.tally.people_created += 1
            return person, set()
        changes = {
            column: text for column, text in given.items() if getattr(person, column) != text
        }
        if changes:
            self.tally.people_updated += 1
        if self.consent_by and not person.has_consent:
            changes |= {
                "consent_recorded_by": self.consent_by,
                "consent_recorded_at": timezone.now(),
            }
        if self.dry_run:
            if changes:
                for column, new in changes.items():
                    setattr(person, column, new)
                person.full_clean()
        else:
            with transaction.atomic():
                if changes:
                    people.person_update(person=person, data=changes)
                if isinstance(person, Visitor):
                    self._plan_visit(person, visit)
        self.tally.people_reused += 1
        return person, self._stored_photo_digests(person)

    def _existing_person(self, folder: PersonFolder, given: dict) -> Employee | Visitor | None:
        """The person of the row's staff number or email, else of the name (the row's or the
        folder's) and kind, else the employee an earlier import created (renamed since). A
        namesake with another real staff number or email is someone else."""
        model = Employee if self.kind == Person.Kind.EMPLOYEE else Visitor
        staff_number, email = given.get("staff_number"), given.get("email")
        by_staff_number = (
            staff_number and Employee.objects.filter(staff_number=staff_number).first()
        )
        by_email = email and model.objects.filter(email__iexact=email).order_by("pk").first()
        if by_staff_number and by_email and by_staff_number != by_email:
            raise RowRefused(
                f"staff_number {staff_number!r} is {by_staff_number.name}'s but email {email!r} "
                f"is {by_email.name}'s."
            )
        if by_staff_number or by_email:
            return by_staff_number or by_email
        namesakes = model.objects.filter(name__in={given.get("name", folder.name), folder.name})
        if staff_number:
            namesakes = namesakes.filter(staff_number__startswith=MADE_UP_PREFIX)
        if email:
            namesakes = namesakes.filter(email="")
        person = namesakes.order_by("pk").first()
        if person is None and self.kind == Person.Kind.EMPLOYEE:
            person = Employee.objects.filter(staff_number=staff_number_for(folder.name)).first()
        return person

    def _create_person(
        self, folder: PersonFolder, given: dict, visit: dict
    ) -> Employee | Visitor | None:
        """Register the person (validated; a dry run only validates) with their visit."""
        fields: dict = {"name": folder.name, **given}
        made_up = self.kind == Person.Kind.EMPLOYEE and "staff_number" not in fields
        if made_up:
            fields["staff_number"] = staff_number_for(folder.name)
        if self.consent_by:
            fields |= {
                "consent_recorded_by": self.consent_by,
                "consent_recorded_at": timezone.now(),
            }
        model = Employee if self.kind == Person.Kind.EMPLOYEE else Visitor
        if self.dry_run:
            model(**fields).full_clean()
            person = None
        elif model is Employee:
            person = people.employee_create(**fields)
        else:
            with transaction.atomic():
                person = people.visitor_create(**fields)
                self._plan_visit(person, visit)
        if made_up:
            self.tally.made_up += 1
            self._warn(
                f"{folder.label}: staff number made up ({fields['staff_number']}): "
                f"{'its manifest row has none' if folder.row else 'no manifest row'}; a row "
                "with the real one replaces it on a re-run."
            )
        return person

    def _plan_visit(self, visitor: Visitor, visit: dict) -> None:
        """The visit of this window, unless the visitor has one starting then."""
        if not visitor.visits.filter(starts_at=visit["starts_at"]).exists():
            visit_create(visitor=visitor, **visit)

    @staticmethod
    def _stored_photo_digests(person: Person) -> set[str]:
        """SHA-256 of each stored photo of a person, as recorded at enrolment."""
        return set(person.photos.values_list("content_sha256", flat=True))

    # --- the photos -------------------------------------------------------------------------
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

    # --- output -----------------------------------------------------------------------------
    def _ignore(self, path: Path, root: Path, why: str) -> None:
        self.tally.ignored += 1
        self._warn(f"{path.relative_to(root)}: ignored, {why}.")

    def _print_summary(self, root: Path, manifest: Path | None, rows: int) -> None:
        if self.dry_run:
            self.stdout.write(f"Dry run for {root}, nothing was written.")
        if manifest:
            self.stdout.write(f"Manifest {manifest}: {rows} row{'s' if rows != 1 else ''}.")
        for line in self.tally.summary(kind=self.kind, dry_run=self.dry_run):
            self.stdout.write(line)

    def _fail_if_anything_failed(self) -> None:
        """Exit status 1, saying how much failed, when a photo or a person was not imported."""
        failure = self.tally.failure()
        if failure:
            raise CommandError(failure)
