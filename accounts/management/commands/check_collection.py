"""Hold the face collection against the photos: faces no photo holds, photos without a face."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import collection_check
from vision.errors import EngineUnavailable


class Command(BaseCommand):
    help = (
        "Compare the photos with the faces of the collection (the database's for the local "
        "engine, Rekognition's otherwise). Faces no photo holds would still be recognised: "
        "--repair deletes them, and indexes again the photos whose face is missing. Exits with "
        "status 1 when something is wrong and was not repaired."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="Put it right.")

    def handle(self, *args, repair: bool, **options) -> None:
        try:
            check = collection_check(repair=repair)
        except EngineUnavailable as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Faces no photo holds: {len(check.orphan_face_ids)}"
            + (f" ({', '.join(check.orphan_face_ids[:10])}…)" if check.orphan_face_ids else "")
        )
        self.stdout.write(
            f"Photos marked indexed without their face: {len(check.photo_ids_without_face)}"
        )
        if check.consistent:
            self.stdout.write(self.style.SUCCESS("The collection matches the photos."))
        elif repair:
            self.stdout.write(
                self.style.SUCCESS("Repaired: orphan faces deleted, photos queued for indexing.")
            )
        else:
            raise CommandError("The collection does not match the photos: run with --repair.")
