"""Our own time per verification on the `rekognition` engine, with Rekognition answering at once.

Calls `recognition.services.verification_perform` with 640x480 JPEG probes made from the shared
photos; botocore's Stubber answers each SearchUsersByImage instantly (queued before each call,
outside the timing), so what is timed is everything but the network: decoding and checking the
upload, building and serialising the request (botocore's own validation included), reading the
answer, deciding, and recording the verification with its probe image. The network round trip to
AWS comes on top. No network and no real credentials. Prints a summary, then one JSON line.

    .venv/bin/python bench/rekognition_overhead.py [--calls 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.verify import probe_jpeg  # noqa: E402  (the same 640x480 webcam-like probes)

TARGET_P50_MS = 20.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces-dir", default=str(ROOT.parent / "shared" / "faces"))
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--probes", type=int, default=20, help="distinct probe images")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    return parser.parse_args()


def search_answer(person_key: str, matched: bool) -> dict:
    """What SearchUsersByImage answers: the probe's face, and the person when matched."""
    left, top, width, height = 0.36, 0.17, 0.28, 0.52
    return {
        "UserMatches": [
            {"Similarity": 99.47, "User": {"UserId": person_key, "UserStatus": "ACTIVE"}}
        ]
        if matched
        else [],
        "FaceModelVersion": "7.0",
        "SearchedFace": {
            "FaceDetail": {
                "BoundingBox": {"Width": width, "Height": height, "Left": left, "Top": top},
                "Landmarks": [
                    {"Type": "eyeLeft", "X": 0.45, "Y": 0.37},
                    {"Type": "eyeRight", "X": 0.55, "Y": 0.37},
                    {"Type": "nose", "X": 0.5, "Y": 0.47},
                    {"Type": "mouthLeft", "X": 0.46, "Y": 0.57},
                    {"Type": "mouthRight", "X": 0.54, "Y": 0.57},
                ],
                "Pose": {"Roll": -1.9, "Yaw": 4.2, "Pitch": 6.3},
                "Quality": {"Brightness": 74.1, "Sharpness": 46.6},
                "Confidence": 99.99,
            }
        },
        "UnsearchedFaces": [],
    }


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="imagesift-bench-rekognition-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "imagesift.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-secret",
            "DATABASE_URL": args.database_url or f"sqlite:///{work / 'bench.sqlite3'}",
            "IMAGESIFT_MEDIA_ROOT": str(work / "media"),
            "IMAGESIFT_LOG_LEVEL": "WARNING",
            "IMAGESIFT_ENGINE": "rekognition",
            "AWS_ACCESS_KEY_ID": "bench-not-a-real-key",
            "AWS_SECRET_ACCESS_KEY": "bench-not-a-real-secret",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_REGION": "eu-west-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(work / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    import django

    django.setup()
    from botocore.stub import Stubber
    from django.core.management import call_command
    from django.utils import timezone

    from accounts import services as people
    from accounts.collection import face_collection
    from recognition import services

    call_command("migrate", verbosity=0)
    employee = people.employee_create(
        name="Bench Person",
        staff_number="B-00001",
        consent_recorded_by="bench",
        consent_recorded_at=timezone.now(),
    )
    key = str(employee.pk)
    photos = sorted((Path(args.faces_dir) / "people").glob("*/1.jpg"))[: args.probes]
    probes = [probe_jpeg(path) for path in photos]

    stubber = Stubber(face_collection().client)
    stubber.activate()

    def verify(number: int) -> tuple[float, str]:
        stubber.add_response("search_users_by_image", search_answer(key, number % 4 != 3))
        started = time.perf_counter()
        verification = services.verification_perform(
            upload=probes[number % len(probes)], channel="api"
        )
        return (time.perf_counter() - started) * 1000, verification.decision

    for number in range(args.warmup):
        verify(number)
    timings, decisions = [], Counter()
    for number in range(args.calls):
        elapsed_ms, decision = verify(number)
        timings.append(elapsed_ms)
        decisions[str(decision)] += 1
    stubber.assert_no_pending_responses()

    cuts = statistics.quantiles(timings, n=100)
    result = {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(cuts[94], 2),
        "mean_ms": round(statistics.fmean(timings), 2),
        "max_ms": round(max(timings), 2),
        "calls": args.calls,
        "probe": "640x480 JPEG",
        "engine": face_collection().name,
        "database": django.db.connection.vendor,
        "decisions": dict(decisions),
        "target_p50_ms": TARGET_P50_MS,
        "meets_target": statistics.median(timings) <= TARGET_P50_MS,
    }
    print(
        f"{args.calls} verifications on the rekognition engine (Rekognition answering at once): "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, mean {result['mean_ms']} ms "
        f"(target p50 <= {TARGET_P50_MS:g} ms); decisions {dict(decisions)}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
