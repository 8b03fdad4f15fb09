"""The bucket's S3 events: what happens when an object lands in the media bucket.

On AWS, Zappa routes the bucket's ObjectCreated notifications to `object_created` (see
zappa_settings.json), which hands each record to the app whose key prefix it is under. Zappa keeps
one notification per bucket and function, so the notification has no prefix filter: probes/ and
metadata/ objects arrive too, and are ignored here.

S3 delivers an event at least once, and a replay may come at any time: each app's handler does
its work once however often it hears of an object.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from django.core.files.storage import default_storage

from accounts.models import PHOTOS_PREFIX
from accounts.tasks import photo_stored
from core.storage import storage_name_for_key
from insight.models import UPLOADS_PREFIX
from insight.tasks import upload_stored

logger = logging.getLogger(__name__)

# Each prefix's handler takes the object's storage name.
PREFIX_HANDLERS: dict[str, Callable[[str], None]] = {
    PHOTOS_PREFIX: photo_stored,  # an enrolment photo: index its face
    UPLOADS_PREFIX: upload_stored,  # an image for analysis: analyse it
}


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
