"""The verification audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Verification(models.Model):
    """One verification: append-only; only the probe image expires after the retention period."""

    class Decision(models.TextChoices):
        EMPLOYEE = "employee", "Employee"
        VISITOR = "visitor", "Registered visitor"
        VISITOR_OUTSIDE_WINDOW = "visitor_outside_window", "Visitor outside visit window"
        VISIT_CANCELLED = "visit_cancelled", "Visit cancelled"
        VISITOR_CHECKED_OUT = "visitor_checked_out", "Visitor already checked out"
        DENIED = "denied", "Denied"
        POSSIBLE_DENIED = "possible_denied", "Possible deny-list match"
        LIVENESS_FAILED = "liveness_failed", "Liveness check failed"
        UNKNOWN = "unknown", "Unknown"
        NO_FACE = "no_face", "No usable face"

    class Liveness(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        NOT_CHECKED = "not_checked", "Not checked"

    class Channel(models.TextChoices):
        UI = "ui", "Front desk"
        KIOSK = "kiosk", "Kiosk"
        API = "api", "API"
        CLI = "cli", "Command line"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    operator_name = models.CharField(max_length=150, blank=True)
    decision = models.CharField(max_length=32, choices=Decision.choices, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    person = models.ForeignKey(
        "accounts.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verifications",
    )
    # The matched person; for a possible deny-list match, the denied person the probe is near.
    # The name is kept so that the log still says who it was after the person is erased.
    person_name = models.CharField(max_length=200, blank=True)
    # A visitor's visit the decision was judged by (the one covering the moment, else the
    # nearest); a check-in from this verification checks this visit in.
    visit = models.ForeignKey(
        "visits.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    similarity = models.FloatField(null=True, blank=True)
    face_box = models.JSONField(null=True, blank=True)
    faces_seen = models.PositiveSmallIntegerField(default=0)
    probe_image = models.FileField(upload_to="probes/%Y/%m/%d/", blank=True, max_length=300)
    probe_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    engine = models.CharField(max_length=32)
    # What the match was judged by, so that the row explains itself later: the similarity a
    # match needed then, and the face model that measured it.
    match_threshold = models.FloatField(null=True, blank=True)
    face_model = models.CharField(max_length=200, blank=True)
    duration_ms = models.FloatField(default=0)
    # The liveness challenge: its result, why it failed, and the burst's parallax (eye distances).
    liveness = models.CharField(max_length=16, choices=Liveness.choices, default="not_checked")
    liveness_reason = models.CharField(max_length=100, blank=True)
    liveness_parallax = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class DecisionFeedback(models.Model):
    """A staff member's mark on a past decision: append-only, and kept apart from the audit log,
    which stays as the door decided. Calibration reads the confirmed right and wrong matches."""

    class Verdict(models.TextChoices):
        CORRECT = "correct", "Correct"
        WRONG_PERSON = "wrong_person", "Wrong person"
        MISSED = "missed", "Missed: should have matched someone"
        ADMITTED_AFTER_ID_CHECK = "admitted_after_id_check", "Admitted after an ID check"

    verification = models.ForeignKey(
        Verification, on_delete=models.PROTECT, related_name="feedback"
    )
    verdict = models.CharField(max_length=32, choices=Verdict.choices, db_index=True)
    # For a missed match: who it should have matched (the name outlives an erasure).
    right_person = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    right_person_name = models.CharField(max_length=200, blank=True)
    # The probe, enrolled as a photo of the right person when the mark asked for it.
    enrolled_photo = models.ForeignKey(
        "accounts.FacePhoto", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, max_length=1000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "decision feedback"

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on verification {self.verification_id}"


class GalleryMeasurement(models.Model):
    """How near each other the enrolled people are: for a sample of them, the similarity of one
    of their photos to the nearest *other* person. Measured in the background (a search per
    sampled person), read by the calibration page: the gallery's own false-accept risk."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by_name = models.CharField(max_length=150, blank=True)
    engine = models.CharField(max_length=32, blank=True)
    face_model = models.CharField(max_length=200, blank=True)
    people_enrolled = models.PositiveIntegerField(default=0)
    # One similarity per sampled person (to their nearest other person), ascending.
    nearest_similarities = models.JSONField(default=list, blank=True)
    # The closest pairs, nearest first: [person id, other person id, similarity].
    closest_pairs = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Gallery measurement {self.pk} ({self.get_state_display()})"


class Muster(models.Model):
    """An evacuation roll call. While it is active (not ended), everyone on site who is verified
    after it started is accounted for; the others are missing (`selectors.on_site`). One is
    active at a time (`muster.muster_start`)."""

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by_name = models.CharField(max_length=150, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # Every active muster has the same value here (true), so a second one cannot be saved.
            models.UniqueConstraint(
                models.lookups.IsNull(models.F("ended_at"), True),
                condition=models.Q(ended_at__isnull=True),
                name="one_active_muster",
                violation_error_message="A muster is already active.",
            )
        ]

    def __str__(self) -> str:
        return f"Muster started at {self.started_at:%Y-%m-%d %H:%M}"
