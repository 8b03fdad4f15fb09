"""`manage.py analyze`: folders, S3 prefixes and pending analyses; re-runs skip and resume."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from moto import mock_aws

from insight import services
from insight.models import AnalysisFace, ImageAnalysis
from tests.aws import (
    MEDIA_BUCKET,
    REGION,
    bucket_keys,
    fake_aws_credentials,
    media_bucket,
    on_lambda,
)
from tests.uploads import sample_photo

pytestmark = pytest.mark.django_db(transaction=True)

DONE, PENDING, FAILED = (
    ImageAnalysis.Status.DONE,
    ImageAnalysis.Status.PENDING,
    ImageAnalysis.Status.FAILED,
)


@dataclass
class Run:
    stdout: str
    stderr: str
    error: CommandError | None


def analyze(*args: object) -> Run:
    """Run the command; its CommandError (the exit status) is returned for the test to check."""
    stdout, stderr = StringIO(), StringIO()
    try:
        call_command("analyze", *map(str, args), stdout=stdout, stderr=stderr)
    except CommandError as error:
        return Run(stdout.getvalue(), stderr.getvalue(), error)
    return Run(stdout.getvalue(), stderr.getvalue(), None)


def label_names(analysis: ImageAnalysis) -> set[str]:
    return {label["name"] for label in analysis.labels}


def by_name() -> dict[str, ImageAnalysis]:
    return {analysis.original_name: analysis for analysis in ImageAnalysis.objects.all()}


@pytest.fixture
def photo_folder(tmp_path: Path, faces) -> Path:
    """Three scikit-image photos and a shared one (two in a sub-folder), a text file, and a
    file that only claims to be a JPEG."""
    folder = tmp_path / "photos"
    (folder / "pets").mkdir(parents=True)
    (folder / "astronaut.png").write_bytes(sample_photo("astronaut", "PNG"))
    (folder / "coffee.jpg").write_bytes(sample_photo("coffee"))
    (folder / "pets" / "chelsea.webp").write_bytes(sample_photo("chelsea", "WEBP"))
    (folder / "pets" / "dog.JPG").write_bytes(faces.nonface()[0].read_bytes())
    (folder / "notes.txt").write_text("not a photo")
    (folder / "pets" / "broken.jpg").write_text("not a photo either")
    return folder


def test_a_folder_is_analysed_and_a_rerun_skips_it(photo_folder):
    run = analyze(photo_folder, "--concurrency", 2)

    assert str(run.error) == "1 of 5 images could not be analysed.", run.stderr
    assert run.stdout.splitlines()[-1] == (
        "Images: 4 analysed, 0 skipped (already analysed), 1 failed, 1 other file ignored."
    )
    assert f"{photo_folder / 'pets' / 'broken.jpg'}: unreadable (not_an_image)" in run.stderr
    analyses = by_name()
    assert set(analyses) == {"astronaut.png", "coffee.jpg", "pets/chelsea.webp", "pets/dog.JPG"}
    for analysis in analyses.values():
        assert analysis.status == DONE, analysis.failure_reason
        assert analysis.source == ImageAnalysis.Source.CLI
        assert analysis.image.name.startswith("uploads/")
        assert default_storage.exists(analysis.metadata_name)
    assert "Person" in label_names(analyses["astronaut.png"])
    assert "Cat" in label_names(analyses["pets/chelsea.webp"])
    assert "Dog" in label_names(analyses["pets/dog.JPG"])
    assert not {"Cat", "Dog"} & label_names(analyses["coffee.jpg"])
    assert AnalysisFace.objects.filter(analysis=analyses["astronaut.png"]).count() == 1
    assert not AnalysisFace.objects.filter(analysis=analyses["pets/chelsea.webp"]).exists()

    rerun = analyze(photo_folder)

    assert rerun.stdout.splitlines()[-1] == (
        "Images: 0 analysed, 4 skipped (already analysed), 1 failed, 1 other file ignored."
    )
    assert str(rerun.error) == "1 of 5 images could not be analysed."
    assert {name: (analysis.pk, analysis.analysed_at) for name, analysis in by_name().items()} == {
        name: (analysis.pk, analysis.analysed_at) for name, analysis in analyses.items()
    }


@contextmanager
def ctrl_c_after_first_analysis() -> Iterator[None]:
    """Press Ctrl-C (SIGINT to this process) once an analysis has written its metadata JSON."""
    metadata = Path(django_settings.MEDIA_ROOT) / "metadata"
    before = set(metadata.rglob("*.json"))
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(0.005):
            if set(metadata.rglob("*.json")) - before:
                os.kill(os.getpid(), signal.SIGINT)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(photo_folder):
    (photo_folder / "pets" / "broken.jpg").unlink()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    with ctrl_c_after_first_analysis():
        run = analyze(photo_folder, "--concurrency", 1)

    assert run.error is not None and run.error.returncode == 130
    finished = ImageAnalysis.objects.filter(status=DONE).count()
    assert 1 <= finished < 4
    assert str(run.error) == (
        f"Interrupted after {finished} of 4 images; run the same command again to finish "
        "(analysed images are skipped)."
    )
    assert "Interrupted: finishing the images under way" in run.stderr
    assert ImageAnalysis.objects.exclude(status=DONE).count() == 0  # none left half-done

    rerun = analyze(photo_folder)

    assert rerun.error is None
    assert rerun.stdout.splitlines()[-1] == (
        f"Images: {4 - finished} analysed, {finished} skipped (already analysed), 0 failed, "
        "1 other file ignored."
    )
    assert ImageAnalysis.objects.filter(status=DONE).count() == ImageAnalysis.objects.count() == 4


def submit_on_lambda(monkeypatch, content: bytes, name: str) -> ImageAnalysis:
    """Submit as on Lambda, whose async analysis never runs: the row is left pending."""
    with monkeypatch.context() as patch, on_lambda(patch) as invocations:
        invocations.expect()
        analysis = services.image_intake(
            upload=content, source=ImageAnalysis.Source.API, original_name=name
        ).analysis
    assert ImageAnalysis.objects.get(pk=analysis.pk).status == PENDING
    return analysis


def test_a_rerun_finishes_an_image_left_pending(tmp_path, monkeypatch):
    left_pending = submit_on_lambda(monkeypatch, sample_photo("chelsea"), "cat.jpg")
    (tmp_path / "chelsea.jpg").write_bytes(sample_photo("chelsea"))
    (tmp_path / "coffee.jpg").write_bytes(sample_photo("coffee"))

    run = analyze(tmp_path, "--concurrency", 1)

    assert run.error is None
    assert (
        run.stdout.splitlines()[-1] == "Images: 2 analysed, 0 skipped (already analysed), 0 failed."
    )
    assert ImageAnalysis.objects.count() == 2  # the pending one was finished, not copied again
    left_pending.refresh_from_db()
    assert left_pending.status == DONE and "Cat" in label_names(left_pending)
    assert left_pending.original_name == "cat.jpg"


def test_an_image_taken_in_before_or_twice_in_a_run_is_analysed_once(tmp_path):
    uploaded = services.image_intake(
        upload=sample_photo("coffee"), source=ImageAnalysis.Source.WEB, original_name="cup.jpg"
    ).analysis
    (tmp_path / "coffee.jpg").write_bytes(sample_photo("coffee"))
    (tmp_path / "chelsea.jpg").write_bytes(sample_photo("chelsea"))
    (tmp_path / "chelsea-copy.jpg").write_bytes(sample_photo("chelsea"))

    run = analyze(tmp_path, "--concurrency", 2, "--verbosity", 2)

    assert run.error is None, run.stderr
    assert run.stdout.splitlines()[-1] == (
        "Images: 1 analysed, 2 skipped (already analysed), 0 failed."
    )
    assert f"{tmp_path / 'coffee.jpg'}: the same image as analysis {uploaded.pk}" in run.stdout
    cats = ImageAnalysis.objects.filter(original_name__startswith="chelsea")
    assert ImageAnalysis.objects.count() == 2 and cats.count() == 1
    assert cats.get().status == DONE
    assert ImageAnalysis.objects.get(pk=uploaded.pk).source == ImageAnalysis.Source.WEB


def test_a_rerun_asking_for_other_labels_analyses_again(tmp_path):
    (tmp_path / "chelsea.jpg").write_bytes(sample_photo("chelsea"))
    assert analyze(tmp_path).error is None

    rerun = analyze(tmp_path, "--max-labels", 1)

    assert rerun.stdout.splitlines()[-1] == (
        "Images: 1 analysed, 0 skipped (already analysed), 0 failed."
    )
    assert sorted(ImageAnalysis.objects.values_list("max_labels", flat=True)) == [
        1,
        django_settings.IMAGESIFT_LABELS_MAX_LABELS,
    ]


def test_pending_analyses_are_finished(monkeypatch):
    assert str(analyze().error) == "Give a PATH or s3://bucket/prefix to analyse, or --pending."
    assert analyze("--pending").stdout == "Nothing to analyse.\n"
    from_lambda = submit_on_lambda(monkeypatch, sample_photo("astronaut"), "astronaut.jpg")
    stored = default_storage.save("uploads/dropped/coffee.jpg", ContentFile(sample_photo("coffee")))
    dropped = services.image_register_stored(name=stored)  # as an S3 event that never came
    gone = services.image_register_stored(name="uploads/dropped/gone.jpg")

    run = analyze("--pending", "--concurrency", 1)

    assert (
        run.stdout.splitlines()[-1] == "Images: 2 analysed, 0 skipped (already analysed), 1 failed."
    )
    assert str(run.error) == "1 of 3 images could not be analysed."
    assert (
        f"analysis {gone.pk}: analysis {gone.pk} failed: The image is no longer in storage."
        in run.stderr
    )
    statuses = dict(ImageAnalysis.objects.values_list("pk", "status"))
    assert statuses == {from_lambda.pk: DONE, dropped.pk: DONE, gone.pk: FAILED}
    assert "Person" in label_names(ImageAnalysis.objects.get(pk=from_lambda.pk))
    assert analyze("--pending").stdout == "Nothing to analyse.\n"


def test_own_bucket_images_are_analysed_in_place_and_others_copied(settings, monkeypatch):
    fake_aws_credentials(monkeypatch)
    with media_bucket(settings, prefix="site a") as s3:
        s3.put_object(
            Bucket=MEDIA_BUCKET, Key="site a/uploads/drop/chelsea.jpg", Body=sample_photo("chelsea")
        )
        s3.put_object(Bucket=MEDIA_BUCKET, Key="incoming/coffee.jpg", Body=sample_photo("coffee"))
        s3.put_object(Bucket=MEDIA_BUCKET, Key="site a/uploads/readme.txt", Body=b"hello")

        run = analyze(f"s3://{MEDIA_BUCKET}/", "--concurrency", 2)

        assert run.error is None, run.stderr
        assert run.stdout.splitlines()[-1] == (
            "Images: 2 analysed, 0 skipped (already analysed), 0 failed, 1 other file ignored."
        )
        in_place = ImageAnalysis.objects.get(image="uploads/drop/chelsea.jpg")
        assert in_place.status == DONE and "Cat" in label_names(in_place)
        assert in_place.source == ImageAnalysis.Source.CLI
        copied = ImageAnalysis.objects.get(original_name="incoming/coffee.jpg")
        assert copied.status == DONE
        assert copied.image.name.startswith("uploads/") and copied.image.name.endswith(".jpg")
        assert set(bucket_keys(s3)) == {
            "incoming/coffee.jpg",
            "site a/uploads/readme.txt",
            "site a/uploads/drop/chelsea.jpg",
            "site a/metadata/uploads/drop/chelsea.jpg.json",
            f"site a/{copied.image.name}",
            f"site a/{copied.metadata_name}",
        }

        rerun = analyze(f"s3://{MEDIA_BUCKET}/")

        # Both images and the copy (now under uploads/ itself) are known; the JSON is ignored.
        assert rerun.error is None, rerun.stderr
        assert rerun.stdout.splitlines()[-1] == (
            "Images: 0 analysed, 3 skipped (already analysed), 0 failed, 3 other files ignored."
        )
        assert ImageAnalysis.objects.count() == 2


def test_another_bucket_is_copied_into_uploads(monkeypatch):
    fake_aws_credentials(monkeypatch)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(
            Bucket="partner-photos", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        s3.put_object(
            Bucket="partner-photos", Key="2024/astronaut.jpg", Body=sample_photo("astronaut")
        )
        s3.put_object(Bucket="partner-photos", Key="2024/broken.png", Body=b"no image")
        s3.put_object(Bucket="partner-photos", Key="2023/chelsea.jpg", Body=sample_photo("chelsea"))

        run = analyze(
            "s3://partner-photos/2024/", "--max-labels", 1, "--min-confidence", 50, "--verbosity", 2
        )

        assert str(run.error) == "1 of 2 images could not be analysed."
        assert "s3://partner-photos/2024/broken.png: unreadable (not_an_image)" in run.stderr
        [analysis] = ImageAnalysis.objects.all()
        assert analysis.original_name == "2024/astronaut.jpg" and analysis.status == DONE
        assert (analysis.min_confidence, analysis.max_labels, len(analysis.labels)) == (50, 1, 1)
        assert analysis.image.read() == sample_photo("astronaut")  # a copy in the site's storage
        top_label = analysis.labels[0]["name"]
        assert f"s3://partner-photos/2024/astronaut.jpg: analysis {analysis.pk}: {top_label}\n" in (
            run.stdout
        )
        assert len(s3.list_objects_v2(Bucket="partner-photos")["Contents"]) == 3  # left as is

        missing = analyze("s3://no-such-bucket/photos/")

        assert str(missing.error).startswith("Cannot list s3://no-such-bucket/photos/: ")
        assert "NoSuchBucket" in str(missing.error)


def test_an_analysis_whose_run_died_long_ago_is_finished(settings):
    settings.IMAGESIFT_STALE_TASK_MINUTES = 10
    stored = default_storage.save("uploads/crashed/cat.jpg", ContentFile(sample_photo("chelsea")))
    crashed = services.image_register_stored(name=stored)
    ImageAnalysis.objects.filter(pk=crashed.pk).update(  # claimed by a run that died
        status=ImageAnalysis.Status.RUNNING, claimed_at=timezone.now() - timedelta(minutes=30)
    )

    run = analyze("--pending")

    assert run.stdout.splitlines()[-1] == (
        "Images: 1 analysed, 0 skipped (already analysed), 0 failed."
    )
    crashed.refresh_from_db()
    assert crashed.status == DONE and "Cat" in label_names(crashed)
