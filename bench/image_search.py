"""Image search at 100 k analyses: the API's list queries on PostgreSQL, page of 50.

Fills a throwaway PostgreSQL database (imagesift_bench_images) with analyses spread like a real
library: ~8 labels each (leaves of a ~300-name vocabulary drawn Zipf-like, plus their parents),
~20 % with faces of ~500 people, ~2 % flagged, ~30 % with a few lines of text read in them
(words of a ~2,000-word vocabulary drawn Zipf-like, and numbers), created over a year. Then
times each search through the API (Django's test client: authentication, filters, cursor
pagination, serializer), median of repeats, and prints the plans of the label, person and text
queries. Last line: one JSON object with the medians.

    .venv/bin/python bench/image_search.py [--analyses 100000] [--repeat 15] [--reuse] [--sqlite]

`--sqlite` runs the same on a throwaway SQLite file instead. There the text search scans the
column (no trigram index), and "db ms" counts less than the database spent: SQLite finds rows
as they are fetched, after the timed execute. Read its wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "imagesift_bench_images"
PAGE_SIZE = 50
SLOW_MS = 50.0
BATCH = 5000
PEOPLE = 500
TEXT_BOX = {"left": 0.2, "top": 0.4, "width": 0.5, "height": 0.08}

# The vocabulary: parents, then leaves under them. Leaf names past the real ones are numbered.
GROUPS: dict[tuple[str, ...], list[str]] = {
    ("Animal", "Mammal", "Pet"): ["Dog", "Cat", "Puppy", "Kitten", "Hamster", "Rabbit"],
    ("Animal", "Mammal"): ["Horse", "Cow", "Sheep", "Elephant", "Giraffe", "Bear", "Zebra"],
    ("Animal", "Bird"): ["Eagle", "Parrot", "Pigeon", "Duck", "Owl", "Penguin", "Swan"],
    ("Animal", "Sea Life"): ["Fish", "Shark", "Dolphin", "Jellyfish", "Turtle"],
    ("Person",): ["Face", "Portrait", "Selfie", "Crowd", "Child", "Adult", "Smile"],
    ("Person", "Clothing"): ["Shirt", "Dress", "Hat", "Shoe", "Jacket", "Glasses", "Tie"],
    ("Vehicle", "Transportation"): ["Car", "Bus", "Truck", "Bicycle", "Motorcycle", "Train"],
    ("Transportation",): ["Airplane", "Boat", "Road", "Traffic Light", "Parking Lot"],
    ("Food",): ["Pizza", "Cake", "Bread", "Salad", "Burger", "Sushi", "Pasta", "Soup"],
    ("Food", "Fruit"): ["Apple", "Banana", "Orange", "Strawberry", "Grape", "Lemon"],
    ("Food", "Beverage"): ["Coffee", "Cup", "Wine", "Beer", "Tea", "Juice", "Bottle"],
    ("Furniture", "Indoors"): ["Chair", "Table", "Sofa", "Bed", "Shelf", "Desk", "Lamp"],
    ("Electronics",): ["Computer", "Laptop", "Phone", "Monitor", "Keyboard", "Camera", "TV"],
    ("Building", "Architecture"): ["House", "Tower", "Bridge", "Church", "Skyscraper"],
    ("Nature", "Outdoors"): ["Tree", "Mountain", "Beach", "Sky", "Cloud", "River", "Lake"],
    ("Nature", "Plant"): ["Flower", "Grass", "Leaf", "Rose", "Cactus", "Forest", "Moss"],
    ("Sport",): ["Ball", "Football", "Tennis", "Skiing", "Surfing", "Running", "Stadium"],
    ("Indoors", "Room"): ["Kitchen", "Office", "Bathroom", "Living Room", "Bedroom"],
    ("Art",): ["Painting", "Sculpture", "Drawing", "Graffiti", "Poster", "Text"],
    ("Tool",): ["Hammer", "Scissors", "Knife", "Screwdriver", "Wrench"],
}
VOCABULARY_SIZE = 300
# The text read in images: words drawn Zipf-like from WORDS_SIZE made-up words, the first and
# the thousandth of which are real, so that the searches below have a common and a rare word.
WORDS_SIZE = 2000
COMMON_WORD, RARE_WORD, RARE_RANK = "EXIT", "ESPRESSO", 1000
MISREAD_WORD = "ESPRES5O"  # the rare word with a letter misread: PostgreSQL's trigrams find it
ABSENT_WORD = "QUAGGAZ"  # in no text: a search that must look at every row, or the index
WITH_TEXT = 0.3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per query")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of an earlier run if it is full"
    )
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help=f"a throwaway SQLite file ({DATABASE}.sqlite3 in the temporary folder) instead",
    )
    return parser.parse_args()


def setup_django(reuse: bool, sqlite: bool = False) -> None:
    if sqlite:
        path = Path(tempfile.gettempdir()) / f"{DATABASE}.sqlite3"
        if not reuse:
            for leftover in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as db:
            exists = db.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone()
            if not (reuse and exists):
                db.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
                db.execute(f"CREATE DATABASE {DATABASE}")
        database_url = f"{SERVER.replace('postgresql', 'postgres')}/{DATABASE}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "imagesift.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-secret",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "IMAGESIFT_SSL_REDIRECT": "0",  # plain HTTP, in-process
            "IMAGESIFT_API_RATE": "1000000/minute",
            "DATABASE_URL": database_url,
            "IMAGESIFT_MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "imagesift-bench-media"),
            "IMAGESIFT_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import get_resolver

    call_command("migrate", verbosity=0)
    # The URLs (and with them DRF's views) first, as a server loads them: `core.api` imported
    # on its own first would meet DRF's settings importing it back, half-initialised.
    get_resolver().url_patterns  # noqa: B018


def vocabulary() -> list[tuple[str, tuple[str, ...]]]:
    """(leaf, parents) pairs: the real names, then numbered ones up to ~300 names in all."""
    leaves = [(leaf, parents) for parents, names in GROUPS.items() for leaf in names]
    parent_names = {parent for parents in GROUPS for parent in parents}
    groups = list(GROUPS)
    number = 0
    while len(leaves) + len(parent_names) < VOCABULARY_SIZE:
        parents = groups[number % len(groups)]
        leaves.append((f"{parents[-1]} Kind {number // len(groups) + 1}", parents))
        number += 1
    return leaves


def zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


def words() -> list[str]:
    """WORDS_SIZE made-up words in upper case (signs, labels, screens), most common first, with
    the common and the rare word at their ranks."""
    rng = random.Random(11)
    consonants, vowels = "BCDFGHKLMNPRSTVWZ", "AEIOU"
    made: list[str] = []
    seen = {COMMON_WORD, RARE_WORD, ABSENT_WORD}
    while len(made) < WORDS_SIZE - 2:
        word = "".join(
            rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.choice((2, 2, 3, 4)))
        )
        if word not in seen:
            seen.add(word)
            made.append(word)
    made.insert(0, COMMON_WORD)
    made.insert(RARE_RANK - 1, RARE_WORD)
    return made


def text_lines(rng: random.Random, vocabulary: list[str], weights: list[float]) -> list[str]:
    """A few lines of text as OCR reads them: words, now and then a number."""
    lines = []
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 6))):
        line = rng.choices(vocabulary, weights, k=rng.choice((1, 2, 2, 3, 4)))
        if rng.random() < 0.3:
            line.append(f"{rng.randrange(1, 500)}.{rng.randrange(100):02d}")
        lines.append(" ".join(line))
    return lines


def fill(total: int) -> dict:
    """Create `total` analyses with their label and face rows; returns what was made."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Person
    from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis
    from insight.services import text_for_search

    rng = random.Random(5)
    people = Person.objects.bulk_create(
        Person(kind=Person.Kind.EMPLOYEE, name=f"Person {number:03d}") for number in range(PEOPLE)
    )
    leaves = vocabulary()
    rng.shuffle(leaves)  # rank in the Zipf draw is not the order above; Dog stays common:
    dog = next(i for i, (name, _) in enumerate(leaves) if name == "Dog")
    leaves.insert(4, leaves.pop(dog))
    leaf_weights = zipf_weights(len(leaves))
    person_weights = zipf_weights(len(people), 0.8)
    text_words = words()
    word_weights = zipf_weights(len(text_words))
    now = timezone.now()
    started = time.perf_counter()
    label_rows = face_rows = 0
    for start in range(0, total, BATCH):
        size = min(BATCH, total - start)
        analyses, labels_of, faces_of = [], [], []
        for _ in range(size):
            chosen = {}
            for leaf, parents in rng.choices(leaves, leaf_weights, k=rng.choice((3, 3, 4, 4, 5))):
                confidence = round(min(99.9, 50 + rng.betavariate(4, 1.3) * 50), 2)
                chosen[leaf] = (max(confidence, chosen.get(leaf, (0, ()))[0]), parents)
            labels = {}
            for leaf, (confidence, parents) in chosen.items():
                labels[leaf] = max(confidence, labels.get(leaf, 0))
                for parent in parents:
                    labels[parent] = max(confidence, labels.get(parent, 0))
            label_json = [
                {
                    "name": name,
                    "confidence": confidence,
                    "parents": list(chosen[name][1]) if name in chosen else [],
                    "categories": [],
                    "instances": [],
                }
                for name, confidence in sorted(labels.items(), key=lambda item: -item[1])
            ]
            flagged = rng.random() < 0.02
            status = rng.choices(("done", "failed", "pending"), (0.985, 0.01, 0.005))[0]
            created = now - timedelta(seconds=rng.uniform(0, 365 * 24 * 3600))
            read = (
                text_lines(rng, text_words, word_weights)
                if status == "done" and rng.random() < WITH_TEXT
                else []
            )
            analyses.append(
                ImageAnalysis(
                    image=f"uploads/{created:%Y/%m/%d}/{uuid.uuid4().hex}.jpg",
                    original_name=f"IMG_{rng.randrange(10000):04d}.jpg",
                    source=rng.choice(("web", "api", "bucket", "cli")),
                    content_sha256=uuid.uuid4().hex * 2,
                    width=4032,
                    height=3024,
                    created_at=created,
                    min_confidence=80,
                    max_labels=25,
                    status=status,
                    analysed_at=created + timedelta(seconds=2) if status != "pending" else None,
                    engine="local",
                    labels=label_json if status == "done" else [],
                    moderation_labels=(
                        [{"name": "Suggestive", "confidence": 71.5, "parent": "", "level": 1}]
                        if flagged
                        else []
                    ),
                    moderation_flagged=flagged if status == "done" else None,
                    text_lines=[
                        {"text": line, "confidence": 93.5, "box": TEXT_BOX} for line in read
                    ],
                    text_content=text_for_search(read),
                    timings_ms={"labels": 120, "moderation": 40, "faces": 90, "text": 60},
                )
            )
            labels_of.append(labels if status == "done" else {})
            face_count = 0
            if status == "done" and rng.random() < 0.2:
                face_count = min(6, 1 + int(rng.expovariate(1.2)))
            faces_of.append(
                [
                    rng.choices(people, person_weights)[0] if rng.random() < 0.6 else None
                    for _ in range(face_count)
                ]
            )
        with transaction.atomic():
            ImageAnalysis.objects.bulk_create(analyses)
            label_objects = [
                AnalysisLabel(analysis=analysis, key=name.casefold(), name=name, confidence=conf)
                for analysis, labels in zip(analyses, labels_of, strict=True)
                for name, conf in labels.items()
            ]
            face_objects = [
                AnalysisFace(
                    analysis=analysis,
                    position=position,
                    box={"left": 0.3, "top": 0.2, "width": 0.1, "height": 0.15},
                    confidence=99.0,
                    person=person,
                    similarity=91.0 if person else None,
                )
                for analysis, persons in zip(analyses, faces_of, strict=True)
                for position, person in enumerate(persons)
            ]
            AnalysisLabel.objects.bulk_create(label_objects, batch_size=BATCH)
            AnalysisFace.objects.bulk_create(face_objects, batch_size=BATCH)
        label_rows += len(label_objects)
        face_rows += len(face_objects)
        print(f"\r{start + size:>7} analyses", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "fill_s": round(time.perf_counter() - started, 1),
        "label_rows": label_rows,
        "face_rows": face_rows,
        "vocabulary": len({name for name, _ in leaves} | {p for _, ps in leaves for p in ps}),
    }


def search_cases() -> tuple[dict[str, dict], dict]:
    """The searches to time, as API query parameters, and what they were chosen from."""
    from django.db.models import Count
    from django.utils import timezone

    from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis

    keys = (
        AnalysisLabel.objects.values("name")
        .annotate(rows=Count("id"))
        .filter(rows__gte=30)
        .order_by("rows", "name")
    )
    rare = keys.first()
    faces = (
        AnalysisFace.objects.exclude(person=None)
        .values("person")
        .annotate(rows=Count("id"))
        .order_by("rows", "person")
    )
    typical = faces[faces.count() // 2]
    least = faces.first()
    newest_first = ImageAnalysis.objects.order_by("-created_at", "-id")
    deep = newest_first.values_list("created_at", flat=True)[int(newest_first.count() * 0.9)]
    since = (timezone.now() - timedelta(days=182)).isoformat()
    cases = {
        "no filter": {},
        "label=Dog": {"label": "Dog"},
        "rare label, min_confidence=90": {"label": rare["name"], "min_confidence": 90},
        "label=Dog, min_confidence=99": {"label": "Dog", "min_confidence": 99},
        "person (median)": {"person": typical["person"]},
        "person (fewest faces)": {"person": least["person"]},
        "moderation=flagged": {"moderation": "flagged"},
        "label+person+since": {"label": "Dog", "person": typical["person"], "since": since},
        "deep cursor (90 %)": {"cursor_at": deep},
        "deep cursor (90 %), label=Dog": {"cursor_at": deep, "label": "Dog"},
        f"text={COMMON_WORD.lower()} (common)": {"text": COMMON_WORD.lower()},
        f"text={RARE_WORD.lower()} (rare)": {"text": RARE_WORD.lower()},
        f"text={MISREAD_WORD.lower()} (misread)": {"text": MISREAD_WORD.lower()},
        "text absent from every image": {"text": ABSENT_WORD.lower()},
        "text (rare) + label=Dog": {"text": RARE_WORD.lower(), "label": "Dog"},
        "deep cursor (90 %), text (common)": {"cursor_at": deep, "text": COMMON_WORD.lower()},
    }
    chosen = {
        "rare_label": rare,
        "median_person": typical,
        "person_with_fewest_faces": least,
        "deep_cursor_created_at": str(deep),
    }
    return cases, chosen


def url_for(case: dict) -> str:
    """The list URL of a search; `cursor_at` becomes the cursor a client would have followed."""
    from urllib.parse import urlencode

    from rest_framework.pagination import Cursor

    from core.api import NewestFirst

    params = {key: value for key, value in case.items() if key != "cursor_at"}
    base = "/api/v1/images/?" + urlencode({**params, "page_size": PAGE_SIZE})
    if "cursor_at" not in case:
        return base
    paginator = NewestFirst()
    paginator.base_url = "http://testserver" + base
    position = str(case["cursor_at"])
    return paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))


def api_client():
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


def time_search(client, url: str, repeat: int) -> dict:
    """Median wall and database milliseconds of a request, its query count and page size."""
    from django.db import connection

    spent: list[float] = []

    def timed_sql(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append((time.perf_counter() - started) * 1000)

    walls, databases, queries = [], [], 0
    for attempt in range(repeat + 2):  # two warm-ups
        spent.clear()
        with connection.execute_wrapper(timed_sql):
            started = time.perf_counter()
            response = client.get(url)
            wall = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
        if attempt >= 2:
            walls.append(wall)
            databases.append(sum(spent))
            queries = len(spent)
    body = response.json()
    return {
        "ms": round(statistics.median(walls), 1),
        "db_ms": round(statistics.median(databases), 1),
        "queries": queries,
        "results": len(body["results"]),
        "more": bool(body.get("next")),
    }


def explain(case: dict) -> str:
    """The plan of a search's page query as the API runs it (EXPLAIN ANALYZE on PostgreSQL)."""
    from django.db import connection
    from django.utils.dateparse import parse_datetime

    from insight import selectors

    filters = {
        "text": case.get("text", ""),
        "label": case.get("label", ""),
        "min_confidence": case.get("min_confidence"),
        "person_id": case.get("person"),
        "since": parse_datetime(case["since"]) if "since" in case else None,
    }
    queryset = selectors.analyses_search(**filters).order_by("-created_at", "-id")
    if "cursor_at" in case:
        queryset = queryset.filter(created_at__lt=case["cursor_at"])
    page = queryset[: PAGE_SIZE + 1]
    if connection.vendor != "postgresql":
        return page.explain()  # SQLite's plan: no timings
    return page.explain(analyze=True, buffers=True)


def main() -> None:
    args = parse_args()
    setup_django(args.reuse, args.sqlite)
    from django.db import connection

    from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis

    made: dict = {}
    if ImageAnalysis.objects.count() != args.analyses:
        if ImageAnalysis.objects.exists():
            raise SystemExit(f"{DATABASE} holds another number of analyses: run without --reuse")
        made = fill(args.analyses)
    elif not ImageAnalysis.objects.exclude(text_content="").exists():
        raise SystemExit(f"{DATABASE} was filled with no text read: run without --reuse")
    cases, chosen = search_cases()
    client = api_client()
    with_text = ImageAnalysis.objects.exclude(text_content="").count()
    print(
        f"{ImageAnalysis.objects.count()} analyses on {connection.vendor}, "
        f"{AnalysisLabel.objects.count()} label rows, {AnalysisFace.objects.count()} faces, "
        f"{with_text} with text; page of {PAGE_SIZE}, median of {args.repeat}"
    )
    print(f"{'search':<34} {'ms':>7} {'db ms':>7} {'queries':>7} {'rows':>5}")
    results = {}
    for name, case in cases.items():
        results[name] = time_search(client, url_for(case), args.repeat)
        row = results[name]
        print(
            f"{name:<34} {row['ms']:>7} {row['db_ms']:>7} {row['queries']:>7} "
            f"{row['results']:>5}{'' if row['more'] else ' (last page)'}"
        )
    for name in (
        "label=Dog",
        "rare label, min_confidence=90",
        "label=Dog, min_confidence=99",
        "person (median)",
        "person (fewest faces)",
        "label+person+since",
        "deep cursor (90 %), label=Dog",
        f"text={RARE_WORD.lower()} (rare)",
        "text absent from every image",
        "deep cursor (90 %), text (common)",
    ):
        print(f"\nEXPLAIN ANALYZE — {name}\n{explain(cases[name])}")
    slow = [name for name, row in results.items() if row["ms"] > SLOW_MS]
    print(
        json.dumps(
            {
                "analyses": ImageAnalysis.objects.count(),
                "database": connection.vendor,
                "with_text": with_text,
                "page_size": PAGE_SIZE,
                "median_ms": {name: row["ms"] for name, row in results.items()},
                "db_ms": {name: row["db_ms"] for name, row in results.items()},
                "queries": {name: row["queries"] for name, row in results.items()},
                "slow_over_ms": SLOW_MS,
                "slow": slow,
                "chosen": chosen,
                **made,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
