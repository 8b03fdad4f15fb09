"""Index photos again with the face model in use: after a model change, or to retry."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accounts import selectors, services
from accounts.collection import face_collection
from accounts.models import FacePhoto
from vision.errors import EngineUnavailable


class Command(BaseCommand):
    help = (
        "Index again every photo the face collection's model did not index (a new model, "
        "another Rekognition collection), one at a time with a progress bar. Safe to stop and "
        "run again: photos done are not done twice. --all indexes every photo with consent, "
        "rejected ones included."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Every photo, not only stale ones.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options) -> None:
        model_key = face_collection().model_key
        photos = (
            FacePhoto.objects.exclude(state=FacePhoto.State.REMOVED)
            if options["all"]
            else selectors.photos_needing_reindex(model_key)
        )
        photo_ids = list(photos.order_by("pk").values_list("pk", flat=True))
        if not photo_ids:
            self.stdout.write(f"Every indexed photo is indexed by {model_key}: nothing to do.")
            return
        states = []
        with tqdm(
            photo_ids,
            unit="photo",
            file=sys.stderr,
            disable=options["no_progress"] or not sys.stderr.isatty(),
        ) as progress:
            for photo_id in progress:
                photo = FacePhoto.objects.filter(pk=photo_id).first()
                if photo is None:
                    continue
                try:
                    services.photo_reindex(photo=photo)
                except EngineUnavailable as error:
                    raise CommandError(f"Stopped: {error} Run the command again later.") from error
                state = FacePhoto.objects.filter(pk=photo_id).values_list("state", flat=True)
                states.append(state.first())
        indexed = states.count(FacePhoto.State.INDEXED)
        self.stdout.write(
            f"Photos indexed again by {model_key}: {indexed} of {len(photo_ids)}"
            f" ({len(photo_ids) - indexed} rejected or still waiting)."
        )
