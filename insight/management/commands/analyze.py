"""Analyse many images at once: a folder, a file, an S3 prefix, or the analyses left pending."""

from __future__ import annotations

import argparse
import os
import queue
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from tqdm import tqdm

from accounts.collection import face_collection
from insight import services, sources
from insight.models import ImageAnalysis
from insight.sources import Item
from vision.analysis import image_analyser
from vision.errors import ImageRejected

ANALYSED, SKIPPED, FAILED, PENDING = "analysed", "skipped", "failed", "pending"


def bounded(kind: type, low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number of `kind` between low and high."""

    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low:g} and {high:g}")
        return number

    return parse


@dataclass(frozen=True)
class ItemResult:
    """What became of one item of the run."""

    kind: str  # ANALYSED, SKIPPED, FAILED or PENDING
    label: str
    detail: str = ""


class Command(BaseCommand):
    help = (
        "Analyse the images (jpg, jpeg, png, webp) of a file, a folder (recursively) or an S3 "
        "prefix (s3://bucket/prefix). Objects under uploads/ of the site's own bucket are "
        "analysed where they are; other images are copied into uploads/. Re-running skips "
        "images already analysed (the same content asked the same of, or the same stored "
        "object), as the page and the API do, and finishes those left pending, so an "
        "interrupted run is resumed by running it again. Exits with status 1 when any image "
        "could not be analysed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source",
            metavar="PATH|s3://bucket/prefix",
            nargs="?",
            help="A file, a folder, or an S3 prefix to analyse.",
        )
        parser.add_argument(
            "--pending",
            action="store_true",
            help="Analyse every analysis still pending (e.g. after the engine was unavailable).",
        )
        parser.add_argument(
            "--concurrency",
            type=bounded(int, 1, 64),
            metavar="N",
            help="Images analysed at once (default: one per CPU core). Rekognition, "
            "network-bound, gains from more.",
        )
        parser.add_argument(
            "--min-confidence",
            type=bounded(float, 0, 100),
            metavar="X",
            help="Leave out labels below this confidence, 0-100 (default: the server's, "
            f"{settings.IMAGESIFT_LABELS_MIN_CONFIDENCE:g}).",
        )
        parser.add_argument(
            "--max-labels",
            type=bounded(int, 1, 1000),
            metavar="N",
            help="At most this many labels an image (default: the server's, "
            f"{settings.IMAGESIFT_LABELS_MAX_LABELS}).",
        )

    def handle(self, *args, source: str | None, **options) -> None:
        if not source and not options["pending"]:
            raise CommandError("Give a PATH or s3://bucket/prefix to analyse, or --pending.")
        self.parameters = {
            "min_confidence": options["min_confidence"],
            "max_labels": options["max_labels"],
        }
        self.verbosity = options["verbosity"]
        self.counts: Counter[str] = Counter()  # outcomes by kind
        self.ignored = 0  # files that are not images, by their extension
        image_analyser(), face_collection()  # a misconfigured engine fails here, once

        try:
            items = self._items(source, pending=options["pending"])
        except KeyboardInterrupt:
            raise CommandError(
                "Interrupted before any image was analysed.", returncode=130
            ) from None
        self.total = len(items) + self.counts[SKIPPED]
        if not self.total:
            self.stdout.write("Nothing to analyse.")
            return
        with tqdm(
            total=self.total,
            initial=self.counts[SKIPPED],
            unit="image",
            file=sys.stderr,
            disable=self.verbosity == 0 or not sys.stderr.isatty(),
        ) as self.progress:
            interrupted = self._run(items, options["concurrency"] or os.cpu_count() or 2)
        self._print_summary(interrupted)

    # --- what to analyse --------------------------------------------------------------------
    def _items(self, source: str | None, *, pending: bool) -> list[Item]:
        services.ANALYSES.reclaim_stale()  # analyses whose run died long ago wait again
        items = sources.pending_items() if pending else []
        if source:
            read = sources.s3_items if source.startswith("s3://") else sources.file_items
            try:
                listing = read(source)
            except sources.SourceError as error:
                raise CommandError(str(error)) from error
            items += listing.items
            self.ignored += listing.ignored
            self.counts[SKIPPED] += listing.already_analysed
        return items

    # --- running ----------------------------------------------------------------------------
    def _run(self, items: list[Item], concurrency: int) -> bool:
        """Analyse the items on `concurrency` threads; returns whether Ctrl-C stopped the run.

        Each thread takes items until none is left (or Ctrl-C), then closes its database
        connection. Ctrl-C starts nothing new and lets the images under way finish.
        """
        todo: queue.SimpleQueue[Item] = queue.SimpleQueue()
        for item in items:
            todo.put(item)
        outcomes: queue.SimpleQueue[ItemResult] = queue.SimpleQueue()
        stop = threading.Event()

        def work() -> None:
            try:
                while not stop.is_set():
                    try:
                        item = todo.get_nowait()
                    except queue.Empty:
                        return
                    outcomes.put(self._analyse(item))
            finally:
                connections.close_all()

        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="analyze")
        workers = [pool.submit(work) for _ in range(min(concurrency, len(items)))]
        with _ctrl_c_sets(stop):
            try:
                self._collect(outcomes, workers, stop)
            finally:
                pool.shutdown(wait=True)
        for worker in workers:
            worker.result()  # a bug in a worker surfaces here rather than passing unseen
        return stop.is_set() and not todo.empty()

    def _collect(
        self, outcomes: queue.SimpleQueue[ItemResult], workers: list[Future], stop: threading.Event
    ) -> None:
        """Count the outcomes as they come, until every worker has stopped."""
        warned = False
        while True:
            if stop.is_set() and not warned:
                self._warn("Interrupted: finishing the images under way…")
                warned = True
            try:
                outcome = outcomes.get(timeout=0.1)
            except queue.Empty:
                if all(worker.done() for worker in workers) and outcomes.empty():
                    return
                continue
            self.counts[outcome.kind] += 1
            self.progress.update(1)
            if outcome.kind in (FAILED, PENDING):
                self._warn(f"{outcome.label}: {outcome.detail}")
            elif self.verbosity >= 2:
                self._note(f"{outcome.label}: {outcome.detail}")

    def _analyse(self, item: Item) -> ItemResult:
        """Analyse one item (on a worker thread); every error becomes a failed outcome."""
        try:
            if item.analysis_id is not None:
                return self._finish_pending(item.label, item.analysis_id)
            if item.stored_name:
                return self._analyse_stored(item)
            return self._analyse_content(item)
        except Exception as error:  # one image never stops the run
            return ItemResult(FAILED, item.label, f"{type(error).__name__}: {error}")

    def _analyse_content(self, item: Item) -> ItemResult:
        """A file or an object of another bucket, taken in as an upload is: skipped when the
        same image was analysed already (or is being analysed), finished when left pending,
        else stored under uploads/ and analysed."""
        try:
            content = item.read()
        except OSError as error:
            return ItemResult(FAILED, item.label, f"unreadable: {error.strerror or error}")
        except (BotoCoreError, ClientError) as error:
            return ItemResult(FAILED, item.label, f"cannot be downloaded: {error}")
        try:
            intake = services.image_intake(
                upload=content,
                source=ImageAnalysis.Source.CLI,
                original_name=item.original_name,
                **self.parameters,
            )
        except ImageRejected as rejected:
            return ItemResult(
                FAILED, item.label, f"unreadable ({rejected.code}): {rejected.message}"
            )
        analysis = intake.analysis
        if intake.reused and analysis.status == ImageAnalysis.Status.PENDING:
            return self._finish_pending(item.label, analysis.pk)
        if intake.reused:
            return ItemResult(SKIPPED, item.label, f"the same image as analysis {analysis.pk}")
        # Outside a transaction the analysis ran as the image was stored; on Lambda it is queued.
        return self._result(item.label, analysis.pk)

    def _analyse_stored(self, item: Item) -> ItemResult:
        """An image already under the storage's uploads/: registered in place and analysed."""
        analysis = services.image_register_stored(
            name=item.stored_name, source=ImageAnalysis.Source.CLI
        )
        if analysis.status != ImageAnalysis.Status.PENDING:
            return ItemResult(SKIPPED, item.label, "already analysed")
        parameters = {name: value for name, value in self.parameters.items() if value is not None}
        if parameters:  # what this run asks for, while nothing has analysed it yet
            ImageAnalysis.objects.filter(
                pk=analysis.pk, status=ImageAnalysis.Status.PENDING
            ).update(**parameters)
        return self._finish_pending(item.label, analysis.pk)

    def _finish_pending(self, label: str, analysis_id: int) -> ItemResult:
        services.image_analyze(analysis_id=analysis_id)
        return self._result(label, analysis_id)

    @staticmethod
    def _result(label: str, analysis_id: int) -> ItemResult:
        """The outcome as the analysis's row records it."""
        row = (
            ImageAnalysis.objects.filter(pk=analysis_id)
            .values("status", "failure_reason", "labels")
            .first()
        )
        if row is None:
            return ItemResult(SKIPPED, label, "deleted meanwhile")
        if row["status"] == ImageAnalysis.Status.DONE:
            names = ", ".join(label["name"] for label in row["labels"][:5]) or "no labels"
            return ItemResult(ANALYSED, label, f"analysis {analysis_id}: {names}")
        if row["status"] == ImageAnalysis.Status.FAILED:
            return ItemResult(
                FAILED, label, f"analysis {analysis_id} failed: {row['failure_reason']}"
            )
        if row["status"] == ImageAnalysis.Status.RUNNING:  # claimed by another run or thread
            return ItemResult(SKIPPED, label, f"analysis {analysis_id} is under way elsewhere")
        return ItemResult(
            PENDING, label, f"analysis {analysis_id} left pending (the engine is unavailable?)"
        )

    # --- output -----------------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        """Report a problem on stderr without tearing the progress bar."""
        with tqdm.external_write_mode(file=sys.stderr):
            self.stderr.write(message, style_func=self.style.WARNING)

    def _note(self, message: str) -> None:
        with tqdm.external_write_mode(file=sys.stderr):
            self.stdout.write(message)

    def _print_summary(self, interrupted: bool) -> None:
        counts = self.counts
        parts = [
            f"{counts[ANALYSED]} analysed",
            f"{counts[SKIPPED]} skipped (already analysed)",
            f"{counts[FAILED]} failed",
        ]
        if counts[PENDING]:
            parts.append(
                f"{counts[PENDING]} left pending (run `manage.py analyze --pending` later)"
            )
        if self.ignored:
            parts.append(f"{self.ignored} other file{'s' if self.ignored > 1 else ''} ignored")
        self.stdout.write("Images: " + ", ".join(parts) + ".")
        if interrupted:
            raise CommandError(
                f"Interrupted after {self.counts.total()} of {self.total} images; "
                "run the same command again to finish (analysed images are skipped).",
                returncode=130,
            )
        if counts[FAILED]:
            raise CommandError(f"{counts[FAILED]} of {self.total} images could not be analysed.")


@contextmanager
def _ctrl_c_sets(stop: threading.Event) -> Iterator[None]:
    """While inside, the first Ctrl-C (SIGINT) sets `stop` instead of raising KeyboardInterrupt
    wherever the main thread happens to be; the next one raises it as usual."""

    def first_ctrl_c(signum, frame) -> None:
        stop.set()
        signal.signal(signal.SIGINT, previous)

    try:
        previous = signal.signal(signal.SIGINT, first_ctrl_c)
    except ValueError:  # not the main thread: Ctrl-C does not reach this one anyway
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
