"""Face search at scale on the local engine: milliseconds per search and memory per worker.

For each gallery size, worker processes (default: one per core, as gunicorn runs) each load the
local collection's gallery from a face store of synthetic unit vectors (one person per face) and
search it with probes near an enrolled face; each reports its median search time and its
resident memory (RSS, and PSS, which splits shared pages among the processes sharing them).
Three ways: exact search of a gallery shared through a snapshot folder (the default set-up up to
IMAGESIFT_EXACT_SEARCH_MAX_FACES), int8 candidates scored exactly (the default past it; with how
often its three best people are exactly those of exact search), and exact search of a copy in
each process (IMAGESIFT_GALLERY_DIR empty). Prints a table, then one JSON line.

    .venv/bin/python bench/search.py [--faces 100000,1000000] [--workers 2] [--searches 200]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as manage.py and wsgi.py set them
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesift.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

DIMENSIONS = 128


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", default="100000,1000000")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--searches", type=int, default=200)
    return parser.parse_args()


class SyntheticStore:
    """A `FaceVectorStore` of `count` random unit vectors, made the same way in every worker."""

    def __init__(self, count: int) -> None:
        self.count = count

    def version(self) -> int:
        return self.count

    def vectors(self, model: str | None = None) -> Iterator[tuple[str, str, bytes]]:
        import numpy as np

        rng = np.random.default_rng(self.count)
        for start in range(0, self.count, 50_000):
            block = rng.standard_normal((min(50_000, self.count - start), DIMENSIONS))
            block = block.astype("<f4")
            for offset, vector in enumerate(block):
                number = start + offset
                yield f"person-{number:08d}", f"face-{number:08d}", vector.tobytes()


def memory_mb() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return {"rss_mb": round(fields["Rss"], 1), "pss_mb": round(fields["Pss"], 1)}


MODES = {  # name: (shared snapshot, int8 candidates)
    "exact": (True, False),
    "int8": (True, True),
    "own copy": (False, False),
}


def worker(faces: int, searches: int, mode: str, gallery_dir: str, ready, start, results) -> None:
    os.environ["IMAGESIFT_GALLERY_DIR"] = gallery_dir
    os.environ["IMAGESIFT_EXACT_SEARCH_MAX_FACES"] = str(0 if MODES[mode][1] else faces)
    import django

    django.setup()
    import numpy as np

    from vision.faces.local import LocalFaceCollection

    collection = LocalFaceCollection(store=SyntheticStore(faces))
    load_started = time.perf_counter()
    gallery = collection._current_gallery()
    load_s = time.perf_counter() - load_started
    rng = np.random.default_rng(os.getpid())
    targets = rng.integers(0, faces, searches)
    noise = rng.standard_normal((searches, DIMENSIONS)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    probes = 0.6 * gallery.vectors[targets] + 0.8 * noise  # cosine ~0.6 with their target
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    gallery.closest_people(probes[0], 3)  # every page of the matrix touched once
    ready.put(True)
    start.wait()
    memory = memory_mb()  # while every worker is alive and has the gallery mapped
    times_ms, found, answers = [], 0, []
    for probe, target in zip(probes, targets, strict=True):
        started = time.perf_counter()
        nearest = gallery.closest_people(probe, 3)
        times_ms.append((time.perf_counter() - started) * 1000)
        found += nearest[0][0] == f"person-{target:08d}"
        answers.append([key for key, _, _ in nearest])
    exact = dataclasses.replace(gallery, int8_codes=None)
    agreed = sum(
        [key for key, _, _ in exact.closest_people(probe, 3)] == answer
        for probe, answer in zip(probes, answers, strict=True)
    )
    results.put(
        {
            "search_ms_p50": round(statistics.median(times_ms), 2),
            "same_top3_as_exact": round(agreed / searches, 3),
            "load_s": round(load_s, 1),
            "recall_at_1": round(found / searches, 3),
            **memory,
        }
    )


def measure(faces: int, workers: int, searches: int, mode: str, gallery_dir: str) -> dict:
    context = multiprocessing.get_context("spawn")
    ready, results, start = context.Queue(), context.Queue(), context.Event()
    processes = [
        context.Process(
            target=worker,
            args=(faces, searches, mode, gallery_dir, ready, start, results),
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    start.set()  # every worker searches at once, as under load
    answers = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return {
        "faces": faces,
        "search": mode,
        "workers": workers,
        "search_ms_p50": round(statistics.median(a["search_ms_p50"] for a in answers), 2),
        "recall_at_1": min(a["recall_at_1"] for a in answers),
        "same_top3_as_exact": min(a["same_top3_as_exact"] for a in answers),
        "load_s": max(a["load_s"] for a in answers),
        "rss_mb_per_worker": max(a["rss_mb"] for a in answers),
        "pss_mb_per_worker": max(a["pss_mb"] for a in answers),
    }


def main() -> None:
    args = parse_args()
    rows = []
    print(
        f"{'faces':>9} {'search':>9} {'workers':>7} {'ms/search':>9} {'recall@1':>8} "
        f"{'as exact':>8} {'load s':>7} {'RSS MB':>7} {'PSS MB':>7}"
    )
    for faces in (int(n) for n in args.faces.split(",")):
        for mode, (shared, _) in MODES.items():
            gallery_dir = tempfile.mkdtemp(prefix="imagesift-bench-gallery-") if shared else ""
            row = measure(faces, args.workers, args.searches, mode, gallery_dir)
            if shared:
                shutil.rmtree(gallery_dir, ignore_errors=True)
            rows.append(row)
            print(
                f"{faces:>9} {mode:>9} {row['workers']:>7} {row['search_ms_p50']:>9} "
                f"{row['recall_at_1']:>8} {row['same_top3_as_exact']:>8} {row['load_s']:>7} "
                f"{row['rss_mb_per_worker']:>7} {row['pss_mb_per_worker']:>7}",
                flush=True,
            )
    print(json.dumps({"engine": "local", "runs": rows}))


if __name__ == "__main__":
    main()
