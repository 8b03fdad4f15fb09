"""Verify faces from the command line, for scripts and for trying the engine out."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from recognition.api.serializers import VerificationSerializer
from recognition.models import Verification
from recognition.services import verification_perform
from vision.errors import EngineUnavailable, ImageRejected


class Command(BaseCommand):
    help = (
        "Verify the face in each IMAGE and record it in the audit log (channel cli). "
        "Exits with status 1 when any image could not be verified."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("images", metavar="IMAGE", nargs="+", type=Path)
        parser.add_argument(
            "--json",
            action="store_true",
            help="One JSON object per image and line: the API's verification, plus `image`; "
            'or {"image", "error", "detail"} when the image could not be verified.',
        )

    def handle(self, *args, images: list[Path], **options) -> None:
        self.as_json = options["json"]
        failed = sum(not self._verify(path) for path in images)
        if failed:
            raise CommandError(f"{failed} of {len(images)} images could not be verified.")

    def _verify(self, path: Path) -> bool:
        """Verify one image and print the outcome; False when it could not be verified."""
        try:
            verification = verification_perform(upload=path.read_bytes(), channel="cli")
        except FileNotFoundError:
            return self._print_error(path, "file_not_found", "No such file.")
        except OSError as error:
            return self._print_error(path, "unreadable_file", error.strerror or str(error))
        except ImageRejected as rejected:
            return self._print_error(path, rejected.code, rejected.message)
        except EngineUnavailable as error:
            return self._print_error(path, "engine_unavailable", str(error))
        if self.as_json:
            self._print_json({"image": str(path), **VerificationSerializer(verification).data})
        else:
            self.stdout.write(f"{path}: {self._describe(verification)}")
        return True

    def _print_error(self, path: Path, code: str, detail: str) -> bool:
        if self.as_json:
            self._print_json({"image": str(path), "error": code, "detail": detail})
        else:
            self.stderr.write(f"{path}: error {code}: {detail}")
        return False

    def _print_json(self, payload: dict) -> None:
        self.stdout.write(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False))

    @staticmethod
    def _describe(verification: Verification) -> str:
        """One readable line: decision, who, how similar, why, and the audit row."""
        parts = [verification.get_decision_display()]
        if verification.person_id:
            person = verification.person
            parts.append(f"{person.name} ({person.get_kind_display().lower()} #{person.pk})")
        if verification.similarity is not None:
            parts.append(f"similarity {verification.similarity:.1f}")
        if verification.faces_seen > 1:
            parts.append(f"{verification.faces_seen} faces seen")
        if verification.reason:
            parts.append(verification.reason)
        return " — ".join(parts) + f"  [verification #{verification.pk}]"
