"""Where bulk analysis (`manage.py analyze`) finds its images: a file or a folder, an S3
prefix, or the analyses left pending. Reads only: nothing is stored or analysed here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import default_storage

from core.storage import storage_name_for_key
from insight.models import UPLOADS_PREFIX, ImageAnalysis

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# Stored names already analysed are looked up this many at a time (S3 prefixes).
LOOKUP_BATCH = 1000


class SourceError(Exception):
    """The source cannot be listed: no such file or folder, no bucket, S3 refused."""


@dataclass(frozen=True)
class Item:
    """One image to analyse: its bytes to read (a file, an object of another bucket), a name in
    the site's storage to analyse in place, or an analysis left pending."""

    label: str  # how messages name it: a path, s3://bucket/key, or "analysis 12"
    read: Callable[[], bytes] | None = None
    original_name: str = ""
    stored_name: str = ""
    analysis_id: int | None = None


@dataclass
class Listing:
    """The images of a source, and what was left out of it."""

    items: list[Item] = field(default_factory=list)
    ignored: int = 0  # files that are not images, by their extension
    already_analysed: int = 0  # stored images whose analysis is done or failed


def pending_items() -> list[Item]:
    """Every analysis still pending, oldest first."""
    ids = ImageAnalysis.objects.filter(status=ImageAnalysis.Status.PENDING).order_by("pk")
    return [Item(f"analysis {pk}", analysis_id=pk) for pk in ids.values_list("pk", flat=True)]


def file_items(source: str) -> Listing:
    """A file, or the images of a folder and its subfolders (hidden ones left out)."""
    root = Path(source)
    if root.is_file():
        return Listing([Item(str(root), read=root.read_bytes, original_name=root.name[-255:])])
    if not root.is_dir():
        raise SourceError(f"{source} is neither a file nor a folder.")
    listing = Listing()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES:
            name = relative.as_posix()[-255:]
            listing.items.append(Item(str(path), read=path.read_bytes, original_name=name))
        else:
            listing.ignored += 1
    return listing


def s3_items(source: str) -> Listing:
    """The images under s3://bucket/prefix: under uploads/ of the site's own bucket, to analyse
    in place (those analysed already counted, not listed); elsewhere, to copy in."""
    bucket, _, prefix = source.removeprefix("s3://").partition("/")
    if not bucket:
        raise SourceError(f"{source} names no bucket: s3://bucket/prefix.")
    client = boto3.client(
        "s3",
        region_name=settings.IMAGESIFT_S3_REGION or None,
        endpoint_url=settings.IMAGESIFT_S3_ENDPOINT_URL or None,
    )
    own_bucket = bucket == getattr(default_storage, "bucket_name", None)
    location = getattr(default_storage, "location", "")
    listing = Listing()
    in_place: list[Item] = []
    for key in _list_keys(client, bucket, prefix):
        if key.endswith("/"):
            continue  # a "folder" marker
        if not key.lower().endswith(IMAGE_SUFFIXES):
            listing.ignored += 1
            continue
        label = f"s3://{bucket}/{key}"
        name = storage_name_for_key(key, location=location) if own_bucket else None
        if name is not None and name.startswith(UPLOADS_PREFIX):
            in_place.append(Item(label=label, stored_name=name))
        else:
            read = _object_reader(client, bucket, key)
            listing.items.append(Item(label=label, read=read, original_name=key[-255:]))
    left, listing.already_analysed = _without_analysed(in_place)
    listing.items[:0] = left
    return listing


def _list_keys(client, bucket: str, prefix: str) -> Iterator[str]:
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                yield entry["Key"]
    except (BotoCoreError, ClientError) as error:
        raise SourceError(f"Cannot list s3://{bucket}/{prefix}: {error}") from error


def _without_analysed(items: list[Item]) -> tuple[list[Item], int]:
    """The stored images not analysed yet, and how many are: one query per thousand images."""
    left, analysed_count = [], 0
    for start in range(0, len(items), LOOKUP_BATCH):
        batch = items[start : start + LOOKUP_BATCH]
        analysed = set(
            ImageAnalysis.objects.filter(image__in=[item.stored_name for item in batch])
            .exclude(status=ImageAnalysis.Status.PENDING)
            .values_list("image", flat=True)
        )
        left += [item for item in batch if item.stored_name not in analysed]
        analysed_count += len(analysed)
    return left, analysed_count


def _object_reader(client, bucket: str, key: str) -> Callable[[], bytes]:
    """Reads an S3 object's bytes when called (on a worker thread: boto3 clients are shared)."""

    def read() -> bytes:
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()

    return read
