"""Image analyses: what the engine saw in an image, and the rows that make it searchable."""

from django.conf import settings
from django.db import models
from django.utils import timezone

UPLOADS_PREFIX = "uploads/"
METADATA_PREFIX = "metadata/"


def upload_path(analysis: "ImageAnalysis", filename: str) -> str:
    """uploads/YYYY/MM/DD/<random name><extension>: never the client's file name."""
    return UPLOADS_PREFIX + timezone.now().strftime("%Y/%m/%d/") + filename


class ImageAnalysis(models.Model):
    """One image and its analysis: labels, moderation labels, faces and text."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        WEB = "web", "Web page"
        API = "api", "API"
        BUCKET = "bucket", "Dropped into the bucket"
        CLI = "cli", "Command line"

    # The storage name is the image's key: uploads/… (and metadata/<key>.json holds the result).
    image = models.FileField(upload_to=upload_path, max_length=500, unique=True)
    original_name = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    content_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # What was asked: the labels' minimum confidence and how many labels at most.
    min_confidence = models.FloatField()
    max_labels = models.PositiveSmallIntegerField()

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    engine = models.CharField(max_length=32, blank=True)
    models_used = models.JSONField(default=dict, blank=True)
    labels = models.JSONField(default=list, blank=True)
    moderation_labels = models.JSONField(default=list, blank=True)
    text_lines = models.JSONField(default=list, blank=True)
    # The text lines as one string, what `?text=` searches. On PostgreSQL a trigram index of its
    # upper case serves the search (migration 0003 makes it; it is not declared in Meta because
    # SQLite, which searches it by a scan, has no such index).
    text_content = models.TextField(blank=True, default="")
    timings_ms = models.JSONField(default=dict, blank=True)
    # None until analysed; True when any moderation label was found.
    moderation_flagged = models.BooleanField(null=True, blank=True)
    metadata_name = models.CharField(max_length=520, blank=True)

    class Meta:
        verbose_name_plural = "image analyses"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="analysis_newest"),
            models.Index(fields=["status", "-created_at"], name="analysis_status"),
            models.Index(fields=["moderation_flagged", "-created_at"], name="analysis_moderation"),
        ]

    def __str__(self) -> str:
        return self.original_name or self.image.name


class AnalysisLabel(models.Model):
    """One label of an analysis, as a row: what `?label=…&min_confidence=…` searches."""

    analysis = models.ForeignKey(ImageAnalysis, on_delete=models.CASCADE, related_name="label_rows")
    key = models.CharField(max_length=100)  # the name, case-folded
    name = models.CharField(max_length=100)
    confidence = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["key", "confidence"], name="label_search")]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "key"], name="one_row_per_label")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.confidence:.1f}"


class AnalysisFace(models.Model):
    """A face found in an analysed image, and the enrolled person it matched, if any."""

    analysis = models.ForeignKey(ImageAnalysis, on_delete=models.CASCADE, related_name="faces")
    position = models.PositiveSmallIntegerField()  # 0 = the largest face
    box = models.JSONField()  # fractions of the image: left, top, width, height
    confidence = models.FloatField()
    person = models.ForeignKey(
        "accounts.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="analysis_faces",
    )
    similarity = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["analysis", "position"]
        indexes = [models.Index(fields=["person", "analysis"], name="face_person")]

    def __str__(self) -> str:
        return f"Face {self.position} of analysis {self.analysis_id}"
