"""S3 event handlers: what happens when an object lands in the media bucket.

On AWS, Zappa routes the bucket's ObjectCreated notifications to `object_created` (see
zappa_settings.json), which hands each record to the handler of its key's prefix. Zappa keeps one
notification per bucket and function, so the notification has no prefix filter: probes/ and
metadata/ objects arrive too, and are ignored here.

S3 delivers an event at least once, and a replay may come at any time: each handler does its
work once however often it hears of an object.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote_plus

from django.core.files.storage import default_storage

from accounts.models import FacePhoto
from imagesift.storage import storage_name_for_key
from insight import services as insight_services
from insight import tasks as insight_tasks
from recognition import tasks

logger = logging.getLogger(__name__)

PHOTOS_PREFIX = "photos/"
UPLOADS_PREFIX = "uploads/"


def photo_object_created(name: str) -> None:
    """An enrolment photo is stored: index its face, unless that is done or under way."""
    photo_id = FacePhoto.objects.filter(image=name).values_list("pk", flat=True).first()
    if photo_id is None:
        # Stored before its row commits (the row's own indexing task follows), or deleted since.
        logger.info("No photo row for %s yet: its indexing task will index it.", name)
        return
    if not tasks.index_pending_photo(photo_id):
        logger.info("Photo %s (%s) is not waiting for indexing: nothing to do.", photo_id, name)


def upload_object_created(name: str) -> None:
    """An image for analysis is stored: analyse it, unless that is done or under way. An image
    dropped straight into the bucket gets its analysis row here."""
    analysis = insight_services.image_register_stored(name=name)
    if not insight_tasks.analyze_pending_image(analysis.pk):
        logger.info("Image %s (%s) is not waiting for analysis: nothing to do.", analysis.pk, name)


PREFIX_HANDLERS = {PHOTOS_PREFIX: photo_object_created, UPLOADS_PREFIX: upload_object_created}


def object_created(event: dict[str, Any], context: Any = None) -> None:
    """Zappa's entry point for the bucket's S3 notifications: route each record by key prefix."""
    bucket = getattr(default_storage, "bucket_name", None)
    location = getattr(default_storage, "location", "")
    for record in event.get("Records", []):
        if not record.get("eventName", "").startswith("ObjectCreated:"):
            continue
        record_bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # URL-encoded, spaces as "+"
        name = storage_name_for_key(key, location=location)
        if record_bucket != bucket or name is None:
            logger.warning("Ignored %s in bucket %s: not this site's storage.", key, record_bucket)
            continue
        handler = next((h for p, h in PREFIX_HANDLERS.items() if name.startswith(p)), None)
        if handler is None:
            logger.debug("Nothing to do for %s.", name)
            continue
        handler(name)
