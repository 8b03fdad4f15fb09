"""Liveness on the shared material: live bursts passed, flat pictures rejected.

Positives: ~1 s bursts (10 frames, every 3rd) of the performer alone on stage in
hamilton_short.mp4 (frames 90-210; the rest of that clip cuts to the audience, and
arcade_walkers.mp4 shows several people walking side by side: their bursts are reported apart,
where the right answer is `face_changed`).
Negatives: real photos of ../shared/faces (the first of every --every-th person) and the
printed-photo, tablet-screen and live-person stills of ../shared/liveness, each held up as a
flat picture and tilted by up to 10, 20 and 30 degrees (tests/spoofs.py). Prints each material's
rates and failure reasons, the parallax and turn distributions, a threshold curve, and as the
last line one JSON object.

    .venv/bin/python bench/liveness.py [--shared ../shared] [--every 4]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

TILTS_DEG = (10, 20, 30)
ONE_PERSON_FRAMES = range(90, 181)  # burst starts in hamilton_short.mp4 showing the performer only
# The shared stills are stored sideways (no EXIF orientation): turned upright here.
STILLS = {
    "spoof/printed_photo.jpg": Image.Transpose.ROTATE_270,
    "spoof/tablet_screen.jpg": Image.Transpose.ROTATE_270,
    "live/real_person.jpg": Image.Transpose.ROTATE_270,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--every", type=int, default=4, help="every n-th person's first photo")
    return parser.parse_args()


def percentiles(values: list[float]) -> list[float] | None:
    return np.percentile(values, [10, 50, 90]).round(4).tolist() if values else None


def main() -> None:
    args = parse_args()
    from tests.spoofs import held_picture, live_bursts
    from vision.liveness import burst as liveness

    shared = Path(args.shared)
    materials: dict[str, list] = {
        "live video": [],
        "live crowd or cut": [],
        "held photo": [],
        "held spoof still": [],
    }
    for video in sorted((shared / "liveness" / "live").glob("*.mp4")):
        for start, burst in live_bursts(video, with_starts=True):
            one_person = video.name == "hamilton_short.mp4" and start in ONE_PERSON_FRAMES
            kind = "live video" if one_person else "live crowd or cut"
            materials[kind].append((f"{video.name}@{start}", burst))
    people = sorted((shared / "faces" / "people").iterdir())[:: args.every]
    pictures = [(f"{folder.name}", Image.open(sorted(folder.iterdir())[0])) for folder in people]
    stills = [
        (name, Image.open(shared / "liveness" / name).transpose(turn))
        for name, turn in STILLS.items()
    ]
    for kind, sources in (("held photo", pictures), ("held spoof still", stills)):
        for number, (name, picture) in enumerate(sources):
            for tilt in TILTS_DEG:
                frames = held_picture(picture, tilt, seed=number * 100 + tilt)
                materials[kind].append((f"{name}@{tilt}", frames))

    results: dict[str, list] = {}
    started = time.perf_counter()
    for kind, bursts in materials.items():
        results[kind] = [(name, liveness.check_burst(frames)) for name, frames in bursts]
        print(f"{kind}: {len(bursts)} bursts", file=sys.stderr, flush=True)
    per_burst_ms = (time.perf_counter() - started) * 1000 / sum(map(len, materials.values()))

    summary = {}
    for kind, outcomes in results.items():
        passed = sum(result.status == liveness.Liveness.PASSED for _, result in outcomes)
        reasons = Counter(str(r.failure) for _, r in outcomes if r.failure is not None)
        scores = [r.parallax for _, r in outcomes if r.parallax is not None]
        turns = [r.turn for _, r in outcomes if r.turn is not None]
        summary[kind] = {
            "bursts": len(outcomes),
            "passed": round(passed / len(outcomes), 3),
            "failures": dict(reasons),
            "parallax_p10_p50_p90": percentiles(scores),
            "turn_p10_p50_p90": percentiles(turns),
        }
        print(f"\n{kind}: {summary[kind]}")
    measured = {kind: [r for _, r in outcomes] for kind, outcomes in results.items()}
    print("\nparallax threshold: live passed / flat rejected (of bursts that got that far)")
    for threshold in (0.02, 0.03, 0.04, 0.05, 0.06, 0.08):
        live = [r.parallax >= threshold for r in measured["live video"] if r.parallax is not None]
        flat = [
            r.parallax < threshold
            for kind in ("held photo", "held spoof still")
            for r in measured[kind]
            if r.parallax is not None
        ]
        print(f"{threshold:>6}: {np.mean(live):.3f} / {np.mean(flat):.3f}")
    flat_rejected = [
        r.status == liveness.Liveness.FAILED
        for kind in ("held photo", "held spoof still")
        for r in measured[kind]
    ]
    print(
        json.dumps(
            {
                "live_passed": summary["live video"]["passed"],
                "flat_rejected": round(float(np.mean(flat_rejected)), 3),
                "min_parallax": liveness.MIN_PARALLAX,
                "min_turn": liveness.MIN_TURN,
                "ms_per_burst": round(per_burst_ms, 1),
                "materials": summary,
            }
        )
    )


if __name__ == "__main__":
    main()
