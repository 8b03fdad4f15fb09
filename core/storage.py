"""Where files live: the S3 storage options, and S3 object keys read back as storage names.

Imported by settings.py, so nothing here may read settings when the module is imported.
"""

from __future__ import annotations

from typing import Any


def s3_storage_options(
    *, bucket: str, region: str, prefix: str, endpoint_url: str, url_seconds: int
) -> dict[str, Any]:
    """django-storages' S3Storage options for a private bucket whose URLs are presigned."""
    return {
        "bucket_name": bucket,
        "region_name": region or None,
        "endpoint_url": endpoint_url or None,
        "location": prefix,
        # No ACL on each object: the bucket's Block Public Access and "bucket owner enforced"
        # ownership keep every object private (and buckets without ACLs refuse them).
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": url_seconds,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }


def storage_name_for_key(key: str, *, location: str) -> str | None:
    """The storage name of an object key, or None for a key outside the storage's location."""
    if not location:
        return key
    prefix = location.strip("/") + "/"
    return key.removeprefix(prefix) if key.startswith(prefix) else None
