"""Image analysis speed of the local engine: milliseconds per model, images per second.

Each photo of the folders (default: ../shared/faces/nonface and multi) is resized to 640 px on
its long side and JPEG-encoded, as a phone upload scaled for analysis would be; the engine's
analysis methods are then called directly, one image at a time, each timed. A few real people
are enrolled first, so that face search matches against a gallery. Then the same work runs on
several threads at once (what `manage.py analyze --concurrency N` does) for the throughput.
Prints a table, then one JSON line.

    .venv/bin/python bench/analyze.py [--dir DIR ...] [--repeat 3] [--threads 2] [--people 10]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# One BLAS thread per process, as manage.py and wsgi.py set it: OpenBLAS's idle threads would
# otherwise spin after each product and slow the models that run next (measured: faces 38 ms
# instead of 22 after the labels step).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(ROOT))

SIDE = 640
TARGET_IMAGES_PER_S = 5.0  # labels + moderation, issue 5
MODELS = ("labels", "moderation", "faces", "text")
COMBINATIONS = {
    "labels+moderation": ("labels", "moderation"),
    "labels+moderation+faces": ("labels", "moderation", "faces"),
    "all": MODELS,
}


def faces_dir() -> Path:
    return Path(os.environ.get("IMAGESIFT_FACES_DIR") or ROOT.parent / "shared" / "faces")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dir",
        action="append",
        type=Path,
        help="a folder of photos (repeatable; default: the shared nonface and multi folders)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="passes over the photos")
    parser.add_argument("--threads", default="2", help="thread counts for the throughput runs")
    parser.add_argument("--people", type=int, default=10, help="real people enrolled")
    return parser.parse_args()


def setup_django(work: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "imagesift.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-secret",
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "IMAGESIFT_MEDIA_ROOT": str(work / "media"),
            "IMAGESIFT_ENGINE": "local",
            "IMAGESIFT_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def enrol_people(count: int) -> int:
    """Enrol one photo each of `count` people of the shared photos; returns how many."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.services import employee_create, photo_enroll

    folders = sorted(p for p in (faces_dir() / "people").iterdir() if p.is_dir())[:count]
    for number, folder in enumerate(folders):
        employee = employee_create(
            name=folder.name.replace("_", " "),
            staff_number=f"B{number:05d}",
            consent_recorded_by="bench",
            consent_recorded_at=timezone.now(),
        )
        first = min(folder.glob("*.jpg"), key=lambda path: int(path.stem))
        with transaction.atomic():
            photo_enroll(person=employee, upload=first.read_bytes())
    return len(folders)


def photos(folders: list[Path]) -> list[bytes]:
    """Every photo of the folders, 640 px on its long side, as JPEG."""
    from PIL import Image, ImageOps

    images = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in {".jpg", ".jpeg", ".png", ".webp"}:
                continue
            image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
            scale = SIDE / max(image.size)
            image = image.resize((round(image.width * scale), round(image.height * scale)))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=90)
            images.append(out.getvalue())
    return images


def model_calls() -> dict[str, Callable]:
    """Each analysis step as the analysis service calls it, with the site's settings."""
    from django.conf import settings

    from accounts.collection import face_collection
    from vision.analysis import image_analyser

    analyser, collection = image_analyser(), face_collection()
    threshold = collection.match_threshold
    return {
        "labels": lambda image: analyser.detect_labels(
            image,
            min_confidence=settings.IMAGESIFT_LABELS_MIN_CONFIDENCE,
            max_labels=settings.IMAGESIFT_LABELS_MAX_LABELS,
        ),
        "moderation": lambda image: analyser.detect_moderation_labels(
            image, min_confidence=settings.IMAGESIFT_MODERATION_MIN_CONFIDENCE
        ),
        "faces": lambda image: collection.search_all_faces(
            image, threshold=threshold, max_faces=settings.IMAGESIFT_ANALYSIS_MAX_FACES
        ),
        "text": lambda image: analyser.detect_text(
            image, min_confidence=settings.IMAGESIFT_TEXT_MIN_CONFIDENCE
        ),
    }


def timed_pass(images: list[bytes], calls: dict[str, Callable]) -> list[dict[str, float]]:
    """One image at a time: milliseconds of decoding and of each model, per image."""
    from vision.images import prepare_image

    rows = []
    for content in images:
        started = time.perf_counter()
        image = prepare_image(content)
        row = {"prepare": (time.perf_counter() - started) * 1000}
        for name in MODELS:
            started = time.perf_counter()
            calls[name](image)
            row[name] = (time.perf_counter() - started) * 1000
        rows.append(row)
    return rows


def throughput(images: list[bytes], calls: dict[str, Callable], steps, threads: int) -> float:
    """Images per second decoding and running `steps` on `threads` threads at once."""
    from django.db import connections

    from vision.images import prepare_image

    def analyse(content: bytes) -> None:
        image = prepare_image(content)
        for name in steps:
            calls[name](image)

    def worker(chunk: list[bytes]) -> None:
        try:
            for content in chunk:
                analyse(content)
        finally:
            connections.close_all()

    chunks = [images[start::threads] for start in range(threads)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, chunks))
    return len(images) / (time.perf_counter() - started)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[round(fraction * (len(ordered) - 1))]


def run(args: argparse.Namespace, folders: list[Path]) -> None:
    from accounts.collection import face_collection
    from vision.analysis import image_analyser

    enrolled = enrol_people(args.people)
    images = photos(folders)
    if not images:
        raise SystemExit(f"No photos in {', '.join(map(str, folders))}.")
    calls = model_calls()
    timed_pass(images[:2], calls)  # loads every model; not counted

    rows = [row for _ in range(args.repeat) for row in timed_pass(images, calls)]
    ms_per_model = {
        name: round(statistics.median(row[name] for row in rows), 1)
        for name in ("prepare", *MODELS)
    }
    p95_ms = {name: round(percentile([row[name] for row in rows], 0.95), 1) for name in MODELS}
    # Sequential images/s: all the images, decoding included, over the time they took.
    per_second = {
        combination: round(
            len(rows) / (sum(row["prepare"] + sum(row[s] for s in steps) for row in rows) / 1000),
            2,
        )
        for combination, steps in COMBINATIONS.items()
    }
    print(f"{len(images)} photos at {SIDE} px, {args.repeat} passes, {enrolled} people enrolled")
    print(f"{'model':<12} {'median ms':>10} {'p95 ms':>8}")
    for name in ("prepare", *MODELS):
        print(f"{name:<12} {ms_per_model[name]:>10} {p95_ms.get(name, ''):>8}")
    print(
        f"{'images/s, one at a time':<40}" + "".join(f"{k}: {v}  " for k, v in per_second.items())
    )

    threaded = {}
    for threads in (int(n) for n in args.threads.split(",")):
        threaded[str(threads)] = {
            combination: round(throughput(images * args.repeat, calls, steps, threads), 2)
            for combination, steps in COMBINATIONS.items()
        }
        print(
            f"{f'images/s, {threads} threads':<40}"
            + "".join(f"{k}: {v}  " for k, v in threaded[str(threads)].items())
        )
    result = {
        "images_per_s": per_second["labels+moderation"],
        "images_per_s_with_faces": per_second["labels+moderation+faces"],
        "images_per_s_with_faces_and_text": per_second["all"],
        "threaded_images_per_s": threaded,
        "target_images_per_s": TARGET_IMAGES_PER_S,
        "meets_target": per_second["labels+moderation"] >= TARGET_IMAGES_PER_S,
        "ms_per_model": ms_per_model,
        "p95_ms_per_model": p95_ms,
        "images": len(images),
        "passes": args.repeat,
        "side_px": SIDE,
        "people_enrolled": enrolled,
        "cpu_count": os.cpu_count(),
        "models": {**image_analyser().models(), "faces": face_collection().model_name},
    }
    print(json.dumps(result))


def main() -> None:
    args = parse_args()
    folders = args.dir or [faces_dir() / "nonface", faces_dir() / "multi"]
    work = Path(tempfile.mkdtemp(prefix="imagesift-bench-analyze-"))
    try:
        setup_django(work)
        run(args, folders)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
