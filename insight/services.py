"""Writes of image insight: taking images in, analysing them, deleting them."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import IO, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.selectors import people_by_keys
from insight import tasks
from insight.documents import analysis_document
from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis, upload_path
from recognition.engines import get_engine, match_threshold
from recognition.engines.base import Box, EngineUnavailable, FaceEngine
from recognition.images import ImageRejected, PreparedImage, prepare_image

logger = logging.getLogger(__name__)

METADATA_PREFIX = "metadata/"
T = TypeVar("T")
# What an analysis writes on its row.
RESULT_FIELDS = (
    "width",
    "height",
    "content_sha256",
    "labels",
    "moderation_labels",
    "text_lines",
    "moderation_flagged",
    "timings_ms",
    "status",
    "failure_reason",
    "engine",
    "models_used",
    "analysed_at",
    "metadata_name",
)


class AnalysisStepFailed(Exception):
    """One step of an analysis failed for a reason other than the engine being unavailable."""


def image_submit(
    *,
    upload: IO[bytes] | bytes,
    source: str,
    user: AbstractBaseUser | None = None,
    original_name: str = "",
    min_confidence: float | None = None,
    max_labels: int | None = None,
) -> ImageAnalysis:
    """Store an image under uploads/ and analyse it once the transaction commits.

    Raises `ImageRejected` (nothing stored) when the upload is not a usable image.
    """
    image = prepare_image(upload)
    analysis = ImageAnalysis(
        source=source,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        original_name=(original_name or getattr(upload, "name", "") or "")[:255],
        content_sha256=hashlib.sha256(image.content).hexdigest(),
        width=image.width,
        height=image.height,
        **_parameters(min_confidence, max_labels),
    )
    # The row first, then the file, in one transaction: an S3 event for the new object (which
    # may come at once) then finds the row, or waits for it, and never registers it twice.
    name = upload_path(analysis, f"{uuid.uuid4().hex}{image.extension}")
    storage = analysis.image.storage
    try:
        with transaction.atomic():
            analysis.image.name = name
            analysis.save()
            if storage.save(name, ContentFile(image.content)) != name:
                raise RuntimeError(f"Storage did not keep the name {name}.")
            tasks.schedule_analysis(analysis.pk)
    except Exception:
        storage.delete(name)
        raise
    return analysis


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


def image_analyze(*, analysis_id: int) -> ImageAnalysis | None:
    """Run every analysis step on an image, store the result and write its metadata JSON.

    The body of the analysis task. An unreadable image or a failing step marks the analysis
    failed with the reason; `EngineUnavailable` propagates and leaves it as it was (pending).
    Returns None when the analysis no longer exists.
    """
    analysis = ImageAnalysis.objects.filter(pk=analysis_id).first()
    if analysis is None:
        return None
    engine = get_engine()
    try:
        with analysis.image.open("rb") as stored:
            image = prepare_image(stored.read(), storage_name=analysis.image.name)
        result = _run_steps(engine, image, analysis)
    except FileNotFoundError:
        return _record_failure(analysis, "The image is no longer in storage.", engine)
    except ImageRejected as rejected:
        return _record_failure(analysis, rejected.message, engine)
    except AnalysisStepFailed as failed:
        return _record_failure(analysis, str(failed), engine)
    with transaction.atomic():
        try:
            _record_result(analysis, image, engine, result)
        except ImageAnalysis.DoesNotExist:
            transaction.set_rollback(True)
            logger.info("Analysis %s was deleted while it ran; nothing kept.", analysis_id)
            return None
    metadata_write(analysis=analysis)
    return analysis


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


def _run_steps(engine: FaceEngine, image: PreparedImage, analysis: ImageAnalysis) -> dict:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    labels = _timed(
        timings,
        "labels",
        lambda: engine.detect_labels(
            image, min_confidence=analysis.min_confidence, max_labels=analysis.max_labels
        ),
    )
    moderation = _timed(
        timings,
        "moderation",
        lambda: engine.detect_moderation_labels(
            image, min_confidence=settings.IMAGESIFT_MODERATION_MIN_CONFIDENCE
        ),
    )
    faces = _timed(
        timings,
        "faces",
        lambda: engine.search_all_faces(
            image, threshold=match_threshold(), max_faces=settings.IMAGESIFT_ANALYSIS_MAX_FACES
        ),
    )
    text = _timed(
        timings,
        "text",
        lambda: engine.detect_text(image, min_confidence=settings.IMAGESIFT_TEXT_MIN_CONFIDENCE),
    )
    timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    return {"labels": labels, "moderation": moderation, "faces": faces, "text": text, "ms": timings}


def _record_result(
    analysis: ImageAnalysis, image: PreparedImage, engine: FaceEngine, result: dict
) -> None:
    _fill_result_fields(analysis, image, engine, result)
    # Not save(): that would insert the row again if it was deleted meanwhile.
    values = {name: getattr(analysis, name) for name in RESULT_FIELDS}
    if not ImageAnalysis.objects.filter(pk=analysis.pk).update(**values):
        raise ImageAnalysis.DoesNotExist
    people = people_by_keys(
        search.best.person_key for search in result["faces"] if search.best is not None
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
        for label in {label.name.casefold(): label for label in reversed(result["labels"])}.values()
    )
    faces = []
    for position, search in enumerate(result["faces"]):
        match = search.best
        person = people.get(match.person_key) if match else None
        faces.append(
            AnalysisFace(
                analysis=analysis,
                position=position,
                box=Box.from_face_box(
                    search.face.box, image_width=image.width, image_height=image.height
                ).as_dict(),
                confidence=round(search.face.confidence, 2),
                person=person,
                similarity=match.similarity if person else None,
            )
        )
    AnalysisFace.objects.bulk_create(faces)


def _fill_result_fields(
    analysis: ImageAnalysis, image: PreparedImage, engine: FaceEngine, result: dict
) -> None:
    analysis.width, analysis.height = image.width, image.height
    analysis.content_sha256 = analysis.content_sha256 or hashlib.sha256(image.content).hexdigest()
    analysis.labels = [_label_dict(label) for label in result["labels"]]
    analysis.moderation_labels = [
        {
            "name": label.name,
            "confidence": round(label.confidence, 2),
            "parent": label.parent,
            "level": label.level,
        }
        for label in result["moderation"]
    ]
    analysis.text_lines = [
        {"text": line.text, "confidence": round(line.confidence, 2), "box": line.box.as_dict()}
        for line in result["text"]
    ]
    analysis.moderation_flagged = bool(result["moderation"])
    analysis.timings_ms = result["ms"]
    analysis.status, analysis.failure_reason = ImageAnalysis.Status.DONE, ""
    analysis.engine, analysis.models_used = engine.name, engine.analysis_models()
    analysis.analysed_at = timezone.now()
    analysis.metadata_name = metadata_name_for(analysis.image.name)


def _label_dict(label) -> dict:
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


def _record_failure(analysis: ImageAnalysis, reason: str, engine: FaceEngine) -> ImageAnalysis:
    logger.warning("Analysis %s failed: %s", analysis.pk, reason)
    changes = {
        "status": ImageAnalysis.Status.FAILED,
        "failure_reason": reason[:300],
        "engine": engine.name,
        "analysed_at": timezone.now(),
    }
    ImageAnalysis.objects.filter(pk=analysis.pk).update(**changes)
    for field, value in changes.items():
        setattr(analysis, field, value)
    return analysis


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
    ImageAnalysis.objects.filter(pk=analysis.pk).update(
        status=ImageAnalysis.Status.PENDING, failure_reason=""
    )
    tasks.schedule_analysis(analysis.pk)


def image_delete(*, analysis: ImageAnalysis) -> None:
    """Delete an image, its metadata JSON and its analysis; the files go once the row has."""
    image_name, metadata = analysis.image.name, metadata_name_for(analysis.image.name)
    with transaction.atomic():
        analysis.delete()
        transaction.on_commit(lambda: _delete_files(image_name, metadata))


def _delete_files(*names: str) -> None:
    for name in names:
        default_storage.delete(name)
