"""Writes of image insight: taking images in (once per image), analysing them, deleting them."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import IO, Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.collection import face_collection
from accounts.selectors import people_by_keys
from core.jobs import WorkQueue, schedule
from insight.documents import analysis_document
from insight.models import (
    METADATA_PREFIX,
    AnalysisFace,
    AnalysisLabel,
    ImageAnalysis,
    upload_path,
)
from insight.selectors import analysis_for_display, analysis_of_content
from vision.analysis import image_analyser
from vision.analysis.base import ImageAnalyser, Label, ModerationLabel, TextLine
from vision.boxes import BoxFraction
from vision.errors import EngineUnavailable, ImageRejected
from vision.faces.base import FaceCollection, FaceSearch
from vision.images import PreparedImage, prepare_image, read_upload

logger = logging.getLogger(__name__)

ANALYZE_IMAGE_TASK = "insight.tasks.analyze_image"
ANALYSES = WorkQueue(
    ImageAnalysis,
    "status",
    pending=ImageAnalysis.Status.PENDING,
    running=ImageAnalysis.Status.RUNNING,
)
T = TypeVar("T")


class AnalysisStepFailed(Exception):
    """One step of an analysis failed for a reason other than the engine being unavailable."""


@dataclass(frozen=True)
class Findings:
    """What the analyser and the face collection found in one image."""

    labels: list[Label]
    moderation: list[ModerationLabel]
    faces: list[FaceSearch]
    text: list[TextLine]
    timings_ms: dict[str, float]


@dataclass(frozen=True)
class Intake:
    """What taking an image in gave: its analysis, and whether that analysis was there before
    (the same image taken in earlier, asked the same of)."""

    analysis: ImageAnalysis
    reused: bool


def image_intake(
    *,
    upload: IO[bytes] | bytes,
    source: str,
    user: AbstractBaseUser | None = None,
    original_name: str = "",
    min_confidence: float | None = None,
    max_labels: int | None = None,
) -> Intake:
    """Take an image in for analysis, once: the page, the API and `analyze` all come here.

    When the same bytes were taken in before with the same minimum confidence and label count,
    their analysis (done, or still under way) is the answer and nothing is stored (`reused`);
    one that failed is not reused, and the image is analysed afresh. Otherwise the image is
    stored under uploads/ and analysed once the transaction commits.

    Raises `ImageRejected` (nothing stored) when the upload is not a usable image.
    """
    content = read_upload(upload)
    sha256 = hashlib.sha256(content).hexdigest()
    parameters = _parameters(min_confidence, max_labels)
    earlier = analysis_of_content(sha256=sha256, **parameters)
    if earlier is not None:  # no need to decode it again
        return Intake(earlier, reused=True)
    image = prepare_image(content)
    analysis = ImageAnalysis(
        source=source,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        original_name=(original_name or getattr(upload, "name", "") or "")[:255],
        content_sha256=sha256,
        width=image.width,
        height=image.height,
        **parameters,
    )
    # The row first, then the file, in one transaction: an S3 event for the new object (which
    # may come at once) then finds the row, or waits for it, and never registers it twice.
    name = upload_path(analysis, f"{uuid.uuid4().hex}{image.extension}")
    storage = analysis.image.storage
    try:
        with transaction.atomic():
            _hold_content(sha256)
            earlier = analysis_of_content(sha256=sha256, **parameters)
            if earlier is not None:  # the same image, uploaded at the same moment, came first
                return Intake(earlier, reused=True)
            analysis.image.name = name
            analysis.save()
            if storage.save(name, ContentFile(image.content)) != name:
                raise RuntimeError(f"Storage did not keep the name {name}.")
            schedule(ANALYZE_IMAGE_TASK, analysis.pk)
    except Exception:
        storage.delete(name)
        raise
    return Intake(analysis, reused=False)


def _hold_content(sha256: str) -> None:
    """Until the transaction ends, be the only one taking in these bytes: of two uploads of one
    image at the same moment, the second waits, then finds the first's analysis.

    On PostgreSQL a transaction-level advisory lock keyed by the digest; SQLite needs none, as
    its transactions take the database's write lock when they begin (`IMMEDIATE`, settings).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(sha256[:15], 16)])


def image_register_stored(*, name: str, source: str = ImageAnalysis.Source.BUCKET) -> ImageAnalysis:
    """The analysis of an image already in storage (dropped into the bucket's uploads/ prefix),
    created pending if there is none yet. Safe to call again for the same name."""
    existing = ImageAnalysis.objects.filter(image=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ImageAnalysis.objects.create(
                image=name,
                source=source,
                original_name=PurePosixPath(name).name[:255],
                **_parameters(None, None),
            )
    except IntegrityError:  # a replayed event registered it meanwhile
        return ImageAnalysis.objects.get(image=name)


def _parameters(min_confidence: float | None, max_labels: int | None) -> dict:
    return {
        "min_confidence": (
            settings.IMAGESIFT_LABELS_MIN_CONFIDENCE if min_confidence is None else min_confidence
        ),
        "max_labels": settings.IMAGESIFT_LABELS_MAX_LABELS if max_labels is None else max_labels,
    }


def image_analyze(*, analysis_id: int) -> bool:
    """Analyse a waiting image: the body of the analysis task.

    The analysis is claimed, every step run with no transaction open, and the result (or the
    failure's reason: an unreadable image, a failing step) written back only while the claim
    holds, then as metadata JSON. Returns whether this call analysed it (False: it was not
    waiting, was deleted or queued again meanwhile, or the engine is unavailable and it waits
    again).
    """
    return ANALYSES.process(analysis_id, _analyze_claimed)


def _analyze_claimed(analysis_id: int, claimed_at: datetime) -> bool:
    analysis = ImageAnalysis.objects.filter(pk=analysis_id).first()
    if analysis is None:
        return False
    analyser, collection = image_analyser(), face_collection()
    try:
        with analysis.image.open("rb") as stored:
            image = prepare_image(stored.read(), storage_name=analysis.image.name)
        findings = _find(analyser, collection, image, analysis)
    except FileNotFoundError:
        return _record_failure(analysis, claimed_at, analyser, "The image is no longer in storage.")
    except (ImageRejected, AnalysisStepFailed) as failed:
        return _record_failure(analysis, claimed_at, analyser, str(failed))
    result = _result_fields(analysis, image, findings)
    result |= {"engine": analyser.name, "models_used": analyser.models()}
    result["models_used"]["faces"] = collection.model_name
    with transaction.atomic():
        if not ANALYSES.finish(analysis_id, claimed_at, **result):
            logger.info("Analysis %s changed or was deleted while it ran.", analysis_id)
            return False
        _replace_search_rows(analysis, image, findings)
    metadata_write(analysis=analysis_for_display(analysis_id))
    return True


def _timed(timings: dict[str, float], step: str, run: Callable[[], T]) -> T:
    started = time.perf_counter()
    try:
        return run()
    except (EngineUnavailable, ImageRejected):
        raise
    except Exception as error:
        logger.exception("The %s step of an analysis failed.", step)
        raise AnalysisStepFailed(f"The {step} step failed: {error}") from error
    finally:
        timings[step] = round((time.perf_counter() - started) * 1000, 1)


def _find(
    analyser: ImageAnalyser,
    collection: FaceCollection,
    image: PreparedImage,
    analysis: ImageAnalysis,
) -> Findings:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    labels = _timed(
        timings,
        "labels",
        lambda: analyser.detect_labels(
            image, min_confidence=analysis.min_confidence, max_labels=analysis.max_labels
        ),
    )
    moderation = _timed(
        timings,
        "moderation",
        lambda: analyser.detect_moderation_labels(
            image, min_confidence=settings.IMAGESIFT_MODERATION_MIN_CONFIDENCE
        ),
    )
    faces = _timed(
        timings,
        "faces",
        lambda: collection.search_all_faces(
            image,
            threshold=collection.match_threshold,
            max_faces=settings.IMAGESIFT_ANALYSIS_MAX_FACES,
        ),
    )
    text = _timed(
        timings,
        "text",
        lambda: analyser.detect_text(image, min_confidence=settings.IMAGESIFT_TEXT_MIN_CONFIDENCE),
    )
    timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    return Findings(labels, moderation, faces, text, timings)


def _result_fields(
    analysis: ImageAnalysis, image: PreparedImage, findings: Findings
) -> dict[str, Any]:
    """The columns a finished analysis writes on its row."""
    return {
        "width": image.width,
        "height": image.height,
        "content_sha256": analysis.content_sha256 or hashlib.sha256(image.content).hexdigest(),
        "labels": [_label_dict(label) for label in findings.labels],
        "moderation_labels": [
            {
                "name": label.name,
                "confidence": round(label.confidence, 2),
                "parent": label.parent,
                "level": label.level,
            }
            for label in findings.moderation
        ],
        "text_lines": [
            {"text": line.text, "confidence": round(line.confidence, 2), "box": line.box.as_dict()}
            for line in findings.text
        ],
        "text_content": text_for_search(line.text for line in findings.text),
        "moderation_flagged": bool(findings.moderation),
        "timings_ms": findings.timings_ms,
        "status": ImageAnalysis.Status.DONE,
        "failure_reason": "",
        "analysed_at": timezone.now(),
        "metadata_name": metadata_name_for(analysis.image.name),
    }


def text_for_search(lines: Iterable[str]) -> str:
    """The text lines as the one string `?text=` searches: space-separated, each line's runs
    of spaces made one, so that a phrase read across two lines is found too."""
    return " ".join(word for line in lines for word in line.split())


def _label_dict(label: Label) -> dict:
    return {
        "name": label.name,
        "confidence": round(label.confidence, 2),
        "parents": list(label.parents),
        "categories": list(label.categories),
        "instances": [
            {"box": instance.box.as_dict(), "confidence": round(instance.confidence, 2)}
            for instance in label.instances
        ],
    }


def _replace_search_rows(analysis: ImageAnalysis, image: PreparedImage, findings: Findings) -> None:
    """The label and face rows that searches use, replaced by these findings'."""
    people = people_by_keys(
        search.best.person_key for search in findings.faces if search.best is not None
    )
    analysis.label_rows.all().delete()
    analysis.faces.all().delete()
    AnalysisLabel.objects.bulk_create(
        AnalysisLabel(
            analysis=analysis,
            key=label.name.casefold()[:100],
            name=label.name[:100],
            confidence=label.confidence,
        )
        for label in {label.name.casefold(): label for label in reversed(findings.labels)}.values()
    )
    faces = []
    for position, search in enumerate(findings.faces):
        match = search.best
        person = people.get(match.person_key) if match else None
        box = BoxFraction.from_px(
            search.face.box, image_width_px=image.width, image_height_px=image.height
        )
        faces.append(
            AnalysisFace(
                analysis=analysis,
                position=position,
                box=box.as_dict(),
                confidence=round(search.face.confidence, 2),
                person=person,
                similarity=match.similarity if person else None,
            )
        )
    AnalysisFace.objects.bulk_create(faces)


def _record_failure(
    analysis: ImageAnalysis, claimed_at: datetime, analyser: ImageAnalyser, reason: str
) -> bool:
    logger.warning("Analysis %s failed: %s", analysis.pk, reason)
    return ANALYSES.finish(
        analysis.pk,
        claimed_at,
        status=ImageAnalysis.Status.FAILED,
        failure_reason=reason[:300],
        engine=analyser.name,
        analysed_at=timezone.now(),
    )


def metadata_name_for(image_name: str) -> str:
    """Where an image's analysis JSON is stored: metadata/<image key>.json."""
    return f"{METADATA_PREFIX}{image_name}.json"


def metadata_write(*, analysis: ImageAnalysis) -> str:
    """Write (or overwrite) the analysis as JSON at metadata/<image key>.json; returns its name."""
    name = metadata_name_for(analysis.image.name)
    content = json.dumps(analysis_document(analysis), indent=2, ensure_ascii=False)
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(content.encode()))
    if stored != name:  # written concurrently by another task: keep one copy, under its name
        default_storage.delete(stored)
    return name


def analyses_forget_person(*, person_id: int) -> int:
    """Make a person's faces in analysed images unknown, and rewrite those images' metadata
    JSON once the transaction commits (erasure). Returns how many analyses changed."""
    analysis_ids = list(
        AnalysisFace.objects.filter(person_id=person_id).values_list("analysis_id", flat=True)
    )
    AnalysisFace.objects.filter(person_id=person_id).update(person=None, similarity=None)

    def rewrite() -> None:
        for analysis in ImageAnalysis.objects.filter(
            pk__in=analysis_ids, status=ImageAnalysis.Status.DONE
        ).prefetch_related("faces"):
            metadata_write(analysis=analysis)

    transaction.on_commit(rewrite)
    return len(set(analysis_ids))


def analysis_restart(*, analysis: ImageAnalysis) -> None:
    """Queue an image for analysis again (after a failure, or with new models)."""
    with transaction.atomic():
        ImageAnalysis.objects.filter(pk=analysis.pk).update(
            status=ImageAnalysis.Status.PENDING, failure_reason=""
        )
        schedule(ANALYZE_IMAGE_TASK, analysis.pk)


def image_delete(*, analysis: ImageAnalysis) -> None:
    """Delete an image, its metadata JSON and its analysis; the files go once the row has."""
    image_name, metadata = analysis.image.name, metadata_name_for(analysis.image.name)
    with transaction.atomic():
        analysis.delete()
        transaction.on_commit(lambda: _delete_files(image_name, metadata))


def _delete_files(*names: str) -> None:
    for name in names:
        default_storage.delete(name)
