"""Verification latency and throughput through the HTTP API against a real server process.

Enrols real people from the shared photos, pads the gallery with synthetic face vectors to 1 k,
10 k and 100 k faces, starts gunicorn (one worker per core), and sends 640x480 JPEG probes of the
enrolled people from 1 and 4 concurrent clients. Prints a table, then one JSON line.

    .venv/bin/python bench/verify.py [--galleries 1000,10000,100000] [--requests 120]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces-dir", default=str(ROOT.parent / "shared" / "faces"))
    parser.add_argument("--galleries", default="1000,10000,100000")
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--requests", type=int, default=120, help="per gallery and concurrency")
    parser.add_argument("--people", type=int, default=40, help="real people enrolled")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--database-url",
        default="",
        help="default: PostgreSQL at 127.0.0.1:5432 (database imagesift_bench) if it answers, "
        "else a SQLite file",
    )
    return parser.parse_args()


def postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
        return True
    except OSError:
        return False


def fresh_database_url(work: Path) -> str:
    if not postgres_answers():
        return f"sqlite:///{work / 'bench.sqlite3'}"
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS imagesift_bench WITH (FORCE)")
        db.execute("CREATE DATABASE imagesift_bench")
    return "postgres://postgres@127.0.0.1:5432/imagesift_bench"


def probe_jpeg(path: Path) -> bytes:
    """A 640x480 JPEG with the photo scaled to the frame's height, as a webcam would give."""
    from PIL import Image

    photo = Image.open(path).convert("RGB")
    photo = photo.resize((480 * photo.width // photo.height, 480))
    frame = Image.new("RGB", (640, 480), (128, 128, 128))
    frame.paste(photo, ((640 - photo.width) // 2, 0))
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=90)
    return out.getvalue()


def enrol_real_people(faces_dir: Path, count: int) -> list[bytes]:
    """Enrol one photo each of `count` people; returns probes made of their other photos."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.services import employee_create, photo_enroll

    probes = []
    folders = sorted(p for p in (faces_dir / "people").iterdir() if len(list(p.glob("*.jpg"))) > 1)
    for number, folder in enumerate(folders[:count]):
        photos = sorted(folder.glob("*.jpg"), key=lambda p: int(p.stem))
        employee = employee_create(
            name=folder.name.replace("_", " "),
            staff_number=f"B{number:05d}",
            consent_recorded_by="bench",
            consent_recorded_at=timezone.now(),
        )
        with transaction.atomic():
            photo_enroll(person=employee, upload=photos[0].read_bytes())
        probes.extend(probe_jpeg(path) for path in photos[1:3])
    return probes


def pad_gallery(total: int) -> int:
    """Add synthetic face vectors (descriptor-like: unit-normalised noise) up to `total`."""
    import numpy as np
    from django.db import transaction

    from accounts.collection import _bump_version, face_collection
    from accounts.models import StoredFace

    model_key = face_collection().model_key
    missing = total - StoredFace.objects.count()
    rng = np.random.default_rng(total)
    with transaction.atomic():
        for start in range(0, max(missing, 0), 5000):
            size = min(5000, missing - start)
            vectors = rng.normal(0, 1, (size, 128)).astype("<f4")
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            StoredFace.objects.bulk_create(
                StoredFace(
                    person_key=f"synthetic-{uuid.uuid4().hex[:12]}",
                    vector=v.tobytes(),
                    model=model_key,
                )
                for v in vectors
            )
        _bump_version()
    settle_database()
    return StoredFace.objects.count()


def settle_database() -> None:
    """Let PostgreSQL finish with the rows just added (statistics, dirty pages) before measuring:
    its autovacuum and checkpoint otherwise take CPU from the first runs."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE accounts_storedface")
            cursor.execute("CHECKPOINT")


def api_token() -> str:
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    user, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    return Token.objects.get_or_create(user=user)[0].key


def multipart(image: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="image"; filename="probe.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + image
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def verify_once(url: str, token: str, image: bytes) -> tuple[float, str]:
    body, content_type = multipart(image)
    request = urllib.request.Request(
        url, data=body, headers={"Authorization": f"Token {token}", "Content-Type": content_type}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        decision = json.loads(response.read())["decision"]
    return (time.perf_counter() - started) * 1000, decision


def run_load(url: str, token: str, probes: list[bytes], clients: int, requests: int) -> dict:
    def client(offset: int) -> list[tuple[float, str]]:
        return [
            verify_once(url, token, probes[(offset + i * clients) % len(probes)])
            for i in range(requests // clients)
        ]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [item for chunk in pool.map(client, range(clients)) for item in chunk]
    elapsed = time.perf_counter() - started
    latencies = sorted(ms for ms, _ in results)
    return {
        "clients": clients,
        "requests": len(results),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "rps": round(len(results) / elapsed, 2),
        "decisions": dict(Counter(decision for _, decision in results)),
    }


def site_environment(work: Path, database_url: str) -> dict[str, str]:
    """The environment of a production-like site (no debugging, plain HTTP on loopback) with
    its database and media under `work`; also set in this process, which sets the site up."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "imagesift.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "IMAGESIFT_SSL_REDIRECT": "0",
        "IMAGESIFT_API_RATE": "1000000/minute",
        "DATABASE_URL": database_url,
        "IMAGESIFT_MEDIA_ROOT": str(work / "media"),
        "IMAGESIFT_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def start_gunicorn(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn serving the site on 127.0.0.1:`port`; stop it with SIGTERM."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "imagesift.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--timeout", "120", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"The server did not answer at {url}")


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="imagesift-bench-"))
    env = site_environment(work, args.database_url or fresh_database_url(work))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    probes = enrol_real_people(Path(args.faces_dir), args.people)
    token = api_token()

    port = 8765
    server = start_gunicorn(port, args.workers, env)
    results = []
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        url = f"http://127.0.0.1:{port}/api/v1/verifications/"
        print(f"{'gallery':>8} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}  decisions")
        for size in (int(n) for n in args.galleries.split(",")):
            gallery = pad_gallery(size)
            for _ in range(args.workers * 3):  # every worker loads the new gallery
                verify_once(url, token, probes[0])
            for clients in (int(n) for n in args.clients.split(",")):
                result = {"gallery": gallery} | run_load(url, token, probes, clients, args.requests)
                results.append(result)
                print(
                    f"{gallery:>8} {clients:>7} {result['p50_ms']:>8} {result['p95_ms']:>8} "
                    f"{result['rps']:>7}  {result['decisions']}",
                    flush=True,
                )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    headline = max(
        (r for r in results if r["clients"] == 1), key=lambda r: r["gallery"], default=results[-1]
    )
    print(json.dumps({**headline, "runs": results}))


if __name__ == "__main__":
    main()
