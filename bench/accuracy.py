"""Open-set identification accuracy through the verification service.

For K = 1 and K = 3: enrol the first K photos of every person in `people/`, then verify their
other photos (should be accepted as that person) and every photo of `unknown/` (should be
rejected). Prints the trade-off curve and, as the last line, one JSON object with
correct/wrong/unknown acceptance at the default threshold.

The deny list: everyone enrolled is then put on it and every probe verified again, with the
deny-list threshold at 0 so that the nearest denied person's similarity is recorded. A denied
person's probe is caught when it is answered `denied` or `possible_denied`; a stranger is
flagged by mistake the same way. Every enrolled person denied is the worst case for strangers
(each is compared with the whole gallery; a real deny list is much shorter).

The service runs with the threshold at 0, so that every probe's best match and similarity are
recorded; acceptance at a threshold T is then `similarity >= T`, the service's own rule.

200 strangers cannot measure a rate of 0.1 %. For the high-security point the local engine's
gallery is also searched, person by person, as if that person had never been enrolled: each of
their photos is then a stranger (the engine's own scoring and ratio test, on the gallery of
everyone else), which gives ~1 200 stranger probes.

    .venv/bin/python bench/accuracy.py [--faces-dir ../shared/faces] [--enrol 1,3]
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
# One BLAS thread per process, as manage.py and wsgi.py set it: OpenBLAS's idle threads would
# otherwise spin after each product and slow the models that run next (measured: faces 38 ms
# instead of 22 after the labels step).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces-dir", default=str(ROOT.parent / "shared" / "faces"))
    parser.add_argument("--enrol", default="1,3", help="photos enrolled per person, per run")
    return parser.parse_args()


def photos_of(folder: Path) -> list[Path]:
    def order(path: Path):
        return (0, int(path.stem), "") if path.stem.isdigit() else (1, 0, path.stem)

    return sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"}), key=order
    )


def run(
    faces_dir: Path, enrolled_per_person: int
) -> tuple[list[dict], list[float], dict[str, list[dict]]]:
    """Enrol, probe, and return one row per probe (truth, matched person, similarity), the
    time each enrolment took (ms: storing the photo, then indexing it once the transaction
    commits, in-process as `make run` does), and the deny-list rows of each deny list."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from accounts.collection import face_collection
    from accounts.models import FacePhoto, Person, StoredFace
    from accounts.services import employee_create, photo_enroll
    from recognition.models import Verification
    from recognition.services import verification_perform

    call_command("migrate", verbosity=0)
    # Start from an empty collection (deleting rows as an erasure would; the version moves on).
    Verification.objects.all().delete()
    Person.objects.all().delete()
    face_collection().delete_faces(
        [str(f) for f in StoredFace.objects.values_list("pk", flat=True)]
    )
    people: dict[int, str] = {}
    enrolment_ms: list[float] = []
    probes: list[tuple[Path, str | None]] = []
    for number, folder in enumerate(sorted((faces_dir / "people").iterdir())):
        photos = photos_of(folder)
        person = employee_create(
            name=folder.name,
            staff_number=f"A{number:05d}",
            consent_recorded_by="bench",
            consent_recorded_at=timezone.now(),
        )
        people[person.pk] = folder.name
        for path in photos[:enrolled_per_person]:
            started = time.perf_counter()
            with transaction.atomic():
                photo_enroll(person=person, upload=path.read_bytes())
            enrolment_ms.append((time.perf_counter() - started) * 1000)
        probes.extend((path, folder.name) for path in photos[enrolled_per_person:])
    probes.extend((path, None) for path in photos_of(faces_dir / "unknown"))
    rejected = Counter(
        FacePhoto.objects.filter(state="rejected").values_list("rejection_reason", flat=True)
    )
    print(
        f"K={enrolled_per_person}: {len(people)} people, {len(probes)} probes; photos rejected "
        f"at enrolment: {dict(rejected) or 'none'}",
        file=sys.stderr,
        flush=True,
    )

    rows = []
    with override_settings(IMAGESIFT_MATCH_THRESHOLD=0.0, IMAGESIFT_PROBE_RETENTION_DAYS=0):
        for path, truth in probes:
            verification = verification_perform(upload=path.read_bytes(), channel="cli")
            rows.append(
                {
                    "truth": truth,
                    "matched": people.get(verification.person_id),
                    "similarity": verification.similarity,
                    "no_face": verification.decision == "no_face",
                    "ms": verification.duration_ms,
                }
            )
    names = sorted(people.values())
    deny_rows = {"everyone": deny_list_pass(probes, names)}
    deny_rows["10 people"] = [  # each person in one of the lists, every stranger against each
        row
        for start in range(len(names) // 10)
        for row in deny_list_pass(probes, names[start :: len(names) // 10])
    ]
    return rows, enrolment_ms, deny_rows


def deny_list_pass(probes: list[tuple[Path, str | None]], denied: list[str]) -> list[dict]:
    """Verify the denied people's probes and the strangers with `denied` on the deny list and
    its threshold at 0 (so that the nearest denied person's similarity is recorded)."""
    from django.test.utils import override_settings

    from accounts.models import Person
    from recognition.services import verification_perform

    Person.objects.update(denied=False)
    Person.objects.filter(name__in=denied).update(denied=True)
    rows = []
    with override_settings(IMAGESIFT_DENY_LIST_THRESHOLD=0.0, IMAGESIFT_PROBE_RETENTION_DAYS=0):
        for path, truth in probes:
            if truth is None or truth in denied:
                verification = verification_perform(upload=path.read_bytes(), channel="cli")
                rows.append(
                    {
                        "truth": truth,
                        "decision": verification.decision,
                        "similarity": verification.similarity,
                    }
                )
    return rows


def deny_list_rates(rows: list[dict], threshold: float) -> dict:
    """Denied people's probes caught and strangers flagged, at a deny-list threshold."""

    def flagged(row: dict) -> bool:
        return row["decision"] == "denied" or (
            row["decision"] == "possible_denied" and row["similarity"] >= threshold
        )

    denied = [row for row in rows if row["truth"] is not None]
    strangers = [row for row in rows if row["truth"] is None]
    return {
        "denied_caught": round(sum(map(flagged, denied)) / len(denied), 4),
        "strangers_flagged": round(sum(map(flagged, strangers)) / len(strangers), 4),
    }


def leave_one_out_strangers(faces_dir: Path) -> list[float]:
    """The similarity at which each photo of `people/` would be accepted as someone else were
    its person not enrolled, and each of `unknown/` as anyone (0: never), on the gallery the
    last `run` left. The local engine's own steps: detection, embedding, scoring, ratio test."""
    from accounts.collection import face_collection
    from accounts.models import Person
    from vision.faces import local, local_models
    from vision.images import prepare_image

    gallery = face_collection()._current_gallery()
    key_of = {name: str(pk) for pk, name in Person.objects.values_list("pk", "name")}
    photos = [
        (path, key_of[folder.name])
        for folder in sorted((faces_dir / "people").iterdir())
        for path in photos_of(folder)
    ]
    photos += [(path, None) for path in photos_of(faces_dir / "unknown")]
    scores = []
    for path, own_key in photos:
        found = local_models.find_faces(prepare_image(path.read_bytes()).pixels)
        if not found:
            scores.append(0.0)
            continue
        vector = local_models.embed([found[0].chip])[0]
        others = [p for p in gallery.closest_people(vector, 3) if p[0] != own_key][:2]
        clearly = local._clearly_nearest(others)
        scores.append(local.similarity_from_cosine(others[0][2]) if clearly else 0.0)
    return scores


def rates(rows: list[dict], threshold: float) -> dict:
    genuine = [r for r in rows if r["truth"] is not None]
    strangers = [r for r in rows if r["truth"] is None]

    def accepted(row: dict) -> bool:
        return row["similarity"] is not None and row["similarity"] >= threshold

    correct = sum(accepted(r) and r["matched"] == r["truth"] for r in genuine)
    wrong = sum(accepted(r) and r["matched"] != r["truth"] for r in genuine)
    unknown = sum(accepted(r) for r in strangers)
    return {
        "correct_accept": round(correct / len(genuine), 4),
        "wrong_accept": round(wrong / len(genuine), 4),
        "unknown_accept": round(unknown / len(strangers), 4),
        "genuine_probes": len(genuine),
        "unknown_probes": len(strangers),
        "no_face": sum(r["no_face"] for r in rows),
    }


def high_security_point(rows: list[dict], strangers: list[float]) -> dict:
    """The lowest threshold at which at most 0.1 % of the leave-one-out strangers pass."""
    for threshold in (t / 2 for t in range(0, 201)):
        accepted = sum(score >= threshold for score in strangers)
        if accepted <= 0.001 * len(strangers):
            return {
                "threshold": threshold,
                "strangers_accepted": round(accepted / len(strangers), 4),
                "stranger_probes": len(strangers),
                "correct_accept": rates(rows, threshold)["correct_accept"],
                "wrong_accept": rates(rows, threshold)["wrong_accept"],
            }
    raise AssertionError("unreachable: no stranger reaches similarity 100")


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="imagesift-accuracy-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "imagesift.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{work / 'accuracy.sqlite3'}",
            "IMAGESIFT_MEDIA_ROOT": str(work / "media"),
            "IMAGESIFT_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.conf import settings

    default = settings.IMAGESIFT_MATCH_THRESHOLD
    summary = {}
    for k in (int(n) for n in args.enrol.split(",")):
        rows, enrolment_ms, deny_rows = run(Path(args.faces_dir), k)
        print(f"\nK={k} photo(s) enrolled per person (default threshold {default:g})")
        print(f"{'threshold':>9} {'correct':>8} {'wrong':>7} {'unknown':>8}")
        for threshold in sorted({*range(30, 61, 2), *range(int(default) - 3, int(default) + 4)}):
            r = rates(rows, threshold)
            mark = " <- default" if threshold == default else ""
            print(
                f"{threshold:>9} {r['correct_accept']:>8.3f} {r['wrong_accept']:>7.3f} "
                f"{r['unknown_accept']:>8.3f}{mark}"
            )
        summary[str(k)] = rates(rows, default) | {
            "enrolment_ms_p50": round(statistics.median(enrolment_ms), 1),
            "verification_ms_p50": round(statistics.median(row["ms"] for row in rows), 1),
        }
        print(
            f"median ms: {summary[str(k)]['enrolment_ms_p50']} per enrolment, "
            f"{summary[str(k)]['verification_ms_p50']} per verification (service)"
        )
        deny_default = settings.IMAGESIFT_DENY_LIST_THRESHOLD
        print(f"deny list: caught / strangers flagged (default threshold {deny_default:g})")
        print(f"{'threshold':>9} " + " ".join(f"{size:>22}" for size in deny_rows))
        for threshold in sorted(
            {*range(20, 30, 2), *range(30, int(default) + 1), int(deny_default)}
        ):
            cells = [deny_list_rates(rows_of, threshold) for rows_of in deny_rows.values()]
            mark = " <- default" if threshold == deny_default else ""
            print(
                f"{threshold:>9} "
                + " ".join(
                    f"{c['denied_caught']:>12.3f} / {c['strangers_flagged']:.3f}" for c in cells
                )
                + mark
            )
        summary[str(k)]["deny_list"] = {
            size: {"threshold": deny_default} | deny_list_rates(rows_of, deny_default)
            for size, rows_of in deny_rows.items()
        }
        secure = next(
            threshold / 2
            for threshold in range(2 * int(default), 201)
            if rates(rows, threshold / 2)["unknown_accept"] == 0
        )
        summary[str(k)]["no_stranger_accepted_from"] = {"threshold": secure} | rates(rows, secure)
        print(f"no stranger accepted from threshold {secure:g}: {rates(rows, secure)}")
        if settings.IMAGESIFT_ENGINE == "local":
            strangers = leave_one_out_strangers(Path(args.faces_dir))
            point = high_security_point(rows, strangers)
            summary[str(k)]["high_security"] = point
            print(
                f"strangers accepted <= 0.1 % ({len(strangers)} leave-one-out strangers): {point}"
            )
    print(json.dumps({"threshold": default, "enrolled_photos": summary}))


if __name__ == "__main__":
    main()
