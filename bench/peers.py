"""ImageSift's local engine against the most-used Python peer, `face_recognition` (dlib), on the
same photos and the same open-set protocol as bench/accuracy.py (one photo enrolled per person,
their other photos and every stranger as probes).

ImageSift runs through its verification service (time per photo: the audit row's duration). The
peer runs in its own virtualenv, made on first use under .bench-venvs/ from
bench/peers-requirements.txt and never part of the product: its encodings are compared the way
its README does (`face_distance`, nearest known face within `tolerance`), at its documented
default tolerance 0.6 and at the best tolerance that keeps wrong-person acceptance <= 0.5 % and
strangers <= 1 % (ImageSift's best threshold is found under the same limits).

    .venv/bin/python bench/peers.py [--faces-dir ../shared/faces] [--enrol 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# One BLAS thread per process, as manage.py and wsgi.py set it: OpenBLAS's idle threads would
# otherwise spin after each product and slow the models that run next (measured: faces 38 ms
# instead of 22 after the labels step).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(BENCH))

import accuracy  # noqa: E402  (bench/accuracy.py: the protocol and its rates)

PEER_VENV = BENCH.parent / ".bench-venvs" / "face_recognition"
PEER_DEFAULT_TOLERANCE = 0.6
MAX_WRONG, MAX_STRANGERS = 0.005, 0.01


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces-dir", default=str(accuracy.ROOT.parent / "shared" / "faces"))
    parser.add_argument("--enrol", type=int, default=1, help="photos enrolled per person")
    return parser.parse_args()


def peer_python() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print("Making the peer's virtualenv (once) ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        requirements = BENCH / "peers-requirements.txt"
        subprocess.run([*pip, "-r", str(requirements)], check=True)
        # face_recognition asks for `dlib`, which would build from source: `dlib-bin` is it.
        subprocess.run([*pip, "--no-deps", "face_recognition==1.3.0"], check=True)
    return python


def peer_encodings(paths: list[Path]) -> dict[str, dict]:
    answer = subprocess.run(
        [str(peer_python()), str(BENCH / "peer_face_recognition.py")],
        input=json.dumps([str(path) for path in paths]),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(answer.stdout)


def peer_rows(faces_dir: Path, enrolled_per_person: int) -> tuple[list[dict], list[float]]:
    """Rows in accuracy.py's shape for the peer: similarity = -distance to the nearest known
    face, so that `rates(rows, -tolerance)` is the peer's decision at `tolerance`."""
    import numpy as np

    enrolled, probes = [], []
    for folder in sorted((faces_dir / "people").iterdir()):
        photos = accuracy.photos_of(folder)
        enrolled += [(path, folder.name) for path in photos[:enrolled_per_person]]
        probes += [(path, folder.name) for path in photos[enrolled_per_person:]]
    probes += [(path, None) for path in accuracy.photos_of(faces_dir / "unknown")]
    encoded = peer_encodings([path for path, _ in enrolled + probes])
    known = [(name, encoded[str(path)]["encoding"]) for path, name in enrolled]
    known = [(name, encoding) for name, encoding in known if encoding is not None]
    known_names = [name for name, _ in known]
    known_matrix = np.array([encoding for _, encoding in known])
    rows = []
    for path, truth in probes:
        encoding = encoded[str(path)]["encoding"]
        if encoding is None:
            rows.append({"truth": truth, "matched": None, "similarity": None, "no_face": True})
            continue
        distances = np.linalg.norm(known_matrix - np.array(encoding), axis=1)  # face_distance
        nearest = int(np.argmin(distances))
        rows.append(
            {
                "truth": truth,
                "matched": known_names[nearest],
                "similarity": -float(distances[nearest]),
                "no_face": False,
            }
        )
    return rows, [item["ms"] for item in encoded.values()]


def best_point(rows: list[dict], thresholds: list[float]) -> dict:
    """The threshold accepting the most enrolled people within the wrong and stranger limits."""
    allowed = [
        {"threshold": threshold} | accuracy.rates(rows, threshold)
        for threshold in thresholds
        if accuracy.rates(rows, threshold)["wrong_accept"] <= MAX_WRONG
        and accuracy.rates(rows, threshold)["unknown_accept"] <= MAX_STRANGERS
    ]
    return max(allowed, key=lambda point: point["correct_accept"])


def main() -> None:
    args = parse_args()
    faces_dir = Path(args.faces_dir)
    work = Path(tempfile.mkdtemp(prefix="imagesift-peers-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "imagesift.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{work / 'peers.sqlite3'}",
            "IMAGESIFT_MEDIA_ROOT": str(work / "media"),
            "IMAGESIFT_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.conf import settings

    ours_rows, _ = accuracy.run(faces_dir, args.enrol)
    default = settings.IMAGESIFT_MATCH_THRESHOLD
    ours = {
        "default": {"threshold": default} | accuracy.rates(ours_rows, default),
        "best": best_point(ours_rows, [t / 2 for t in range(40, 141)]),
        "ms_per_photo": round(statistics.median(row["ms"] for row in ours_rows), 1),
    }
    peer_rows_, peer_ms = peer_rows(faces_dir, args.enrol)
    tolerances = [t / 100 for t in range(30, 71)]
    peer_default = accuracy.rates(peer_rows_, -PEER_DEFAULT_TOLERANCE)
    peer_best = best_point(peer_rows_, [-t for t in tolerances])
    peer = {
        "default": {"tolerance": PEER_DEFAULT_TOLERANCE} | peer_default,
        "best": {"tolerance": -peer_best.pop("threshold")} | peer_best,
        "ms_per_photo": round(statistics.median(peer_ms), 1),
    }

    print(
        f"\n{args.enrol} photo(s) enrolled per person, {peer_default['genuine_probes']} "
        f"enrolled probes, {peer_default['unknown_probes']} strangers"
    )
    print(f"{'':34} {'correct':>8} {'wrong':>7} {'strangers':>9} {'ms/photo':>9}")
    for label, point, ms in (
        (f"ImageSift local, threshold {default:g}", ours["default"], ours["ms_per_photo"]),
        (f"ImageSift local, best {ours['best']['threshold']:g}", ours["best"], ""),
        ("face_recognition, tolerance 0.6", peer["default"], peer["ms_per_photo"]),
        (f"face_recognition, best {peer['best']['tolerance']:g}", peer["best"], ""),
    ):
        print(
            f"{label:34} {point['correct_accept']:>8.3f} {point['wrong_accept']:>7.3f} "
            f"{point['unknown_accept']:>9.3f} {ms:>9}"
        )
    ratios = {
        "correct_accept_at_best": round(
            ours["best"]["correct_accept"] / max(peer["best"]["correct_accept"], 1e-9), 2
        ),
        "peer_ms_per_photo_over_ours": round(peer["ms_per_photo"] / ours["ms_per_photo"], 2),
    }
    print(
        json.dumps(
            {
                "enrolled_photos": args.enrol,
                "imagesift": ours,
                "face_recognition": peer,
                "ratios": ratios,
            }
        )
    )


if __name__ == "__main__":
    main()
