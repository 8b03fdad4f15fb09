"""Concurrent writers on the default database: how many writes fail, and what is left half-done.

Starts gunicorn (2 workers) on a fresh SQLite file, as a new user's set-up would, and sends
`--writers` clients at once, each registering a visitor, enrolling a photo of them and uploading
an image for analysis, `--rounds` times. Counts the answers by status, then the photos and
analyses left waiting (pending or under way), and rows whose file is gone. Prints a table, then
one JSON line.

    .venv/bin/python bench/concurrent_writes.py [--writers 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.verify import site_environment, start_gunicorn, wait_for  # noqa: E402

PORT = 8766


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces-dir", default=str(ROOT.parent / "shared" / "faces"))
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    return parser.parse_args()


def writer(base: str, token: str, number: int, portrait: bytes, image: bytes) -> list[str]:
    """One client: a visitor, a photo of them, an image; the answers' statuses, by what."""
    headers = {"Authorization": f"Token {token}"}
    visitor = {"name": f"Visitor {number}", "consent_recorded_by": "bench"}
    created = requests.post(f"{base}/visitors/", headers=headers, json=visitor, timeout=120)
    answers = [f"visitor {created.status_code}"]
    if created.status_code == 201:
        photo = requests.post(
            f"{base}/visitors/{created.json()['id']}/photos/",
            headers=headers,
            files={"image": ("photo.jpg", portrait, "image/jpeg")},
            timeout=120,
        )
        answers.append(f"photo {photo.status_code}")
    uploaded = requests.post(
        f"{base}/images/",
        headers=headers,
        files={"image": (f"image-{number}.jpg", image, "image/jpeg")},
        timeout=120,
    )
    answers.append(f"image {uploaded.status_code}")
    return answers


def leftovers() -> dict[str, int]:
    """Rows a finished run should not have: work never done, files gone from under a row."""
    from accounts.models import FacePhoto
    from insight.models import ImageAnalysis

    photos, analyses = list(FacePhoto.objects.all()), list(ImageAnalysis.objects.all())
    return {
        "photos": len(photos),
        "photos_left_waiting": sum(photo.state in ("pending", "indexing") for photo in photos),
        "photos_without_file": sum(
            not photo.image.storage.exists(photo.image.name) for photo in photos
        ),
        "analyses": len(analyses),
        "analyses_left_waiting": sum(
            analysis.status in ("pending", "running") for analysis in analyses
        ),
        "analyses_without_file": sum(
            not analysis.image.storage.exists(analysis.image.name) for analysis in analyses
        ),
    }


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="imagesift-writes-"))
    env = site_environment(work, f"sqlite:///{work / 'db.sqlite3'}")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    user = User.objects.create_superuser("bench", password="bench-only-password")
    token = Token.objects.create(user=user).key
    faces = Path(args.faces_dir)
    portraits = [path.read_bytes() for path in sorted((faces / "people").glob("*/1.jpg"))]
    images = [path.read_bytes() for path in sorted((faces / "nonface").glob("*.jpg"))]

    server = start_gunicorn(PORT, args.workers, env)
    base = f"http://127.0.0.1:{PORT}/api/v1"
    answers: Counter[str] = Counter()
    started = time.perf_counter()
    try:
        wait_for(f"http://127.0.0.1:{PORT}/healthz")
        for round_number in range(args.rounds):
            numbers = [round_number * args.writers + n for n in range(args.writers)]
            with ThreadPoolExecutor(args.writers) as pool:
                for result in pool.map(
                    lambda n: writer(
                        base, token, n, portraits[n % len(portraits)], images[n % len(images)]
                    ),
                    numbers,
                ):
                    answers.update(result)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    elapsed = time.perf_counter() - started
    left = leftovers()
    server_errors = sum(count for answer, count in answers.items() if answer.endswith(" 500"))
    for answer, count in sorted(answers.items()):
        print(f"{answer:<16} {count:>4}")
    for name, count in left.items():
        print(f"{name:<24} {count:>4}")
    print(
        json.dumps(
            {
                "writers": args.writers,
                "rounds": args.rounds,
                "gunicorn_workers": args.workers,
                "database": "sqlite",
                "answers": dict(answers),
                "server_errors": server_errors,
                "seconds": round(elapsed, 1),
                **left,
                "clean": server_errors == 0
                and left["photos_left_waiting"] == 0
                and left["analyses_left_waiting"] == 0
                and left["photos_without_file"] == 0
                and left["analyses_without_file"] == 0,
            }
        )
    )


if __name__ == "__main__":
    main()
