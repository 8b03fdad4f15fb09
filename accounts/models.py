"""People ImageSift knows: employees and visitors, their consent, deny-list state and photos,
and the face vectors the embedded face collection keeps of those photos."""

import uuid
from pathlib import PurePath

from django.db import models
from django.utils import timezone

from vision.faces.base import FaceRejection

PHOTOS_PREFIX = "photos/"


class Person(models.Model):
    """What employees and visitors share; the face collection knows people by this primary key."""

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", "Employee"
        VISITOR = "visitor", "Visitor"

    kind = models.CharField(max_length=16, choices=Kind.choices, editable=False)
    name = models.CharField(max_length=200, db_index=True)
    email = models.EmailField(blank=True)
    denied = models.BooleanField(
        "on deny list", default=False, help_text="Refuse entry even when the face matches."
    )
    denied_reason = models.CharField(max_length=500, blank=True)
    consent_recorded_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who recorded this person's consent to biometric processing.",
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    # The privacy notice's version the person read when they gave consent themselves (an
    # invitation's self-enrolment); empty when staff recorded it.
    consent_notice_version = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_consent(self) -> bool:
        return self.consent_recorded_at is not None


class Employee(Person):
    staff_number = models.CharField(max_length=50, unique=True)
    department = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True, help_text="Inactive employees are denied entry.")

    def save(self, *args, **kwargs):
        self.kind = Person.Kind.EMPLOYEE  # the discriminator, not business logic
        super().save(*args, **kwargs)


class Visitor(Person):
    """Someone who comes to visit; their stays are `visits.Visit` rows."""

    company = models.CharField(max_length=200, blank=True)

    def save(self, *args, **kwargs):
        self.kind = Person.Kind.VISITOR
        super().save(*args, **kwargs)


def photo_upload_path(photo: "FacePhoto", filename: str) -> str:
    suffix = PurePath(filename).suffix.lower() or ".jpg"
    return f"{PHOTOS_PREFIX}{photo.person_id}/{uuid.uuid4().hex}{suffix}"


class FacePhoto(models.Model):
    """One enrolment photo and the state of its face in the collection."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        INDEXING = "indexing", "Indexing"
        INDEXED = "indexed", "Indexed"
        REJECTED = "rejected", "Rejected"
        REMOVED = "removed", "Face removed"

    # Why a photo is not indexed: the face collection's reasons, and two of this app's own.
    Rejection = models.TextChoices(
        "Rejection",
        [
            *((reason.name, (reason.value, reason.label)) for reason in FaceRejection),
            ("NO_CONSENT", ("no_consent", "No consent recorded")),
            ("UNREADABLE", ("unreadable", "Image unreadable")),
        ],
    )

    class Advice(models.TextChoices):
        UNLIKE_OWN_PHOTOS = "unlike_own_photos", "Unlike the person's other photos"
        LIKE_SOMEONE_ELSE = "like_someone_else", "Looks like someone else enrolled"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_upload_path, max_length=300)
    content_sha256 = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    rejection_reason = models.CharField(max_length=32, choices=Rejection.choices, blank=True)
    face_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The face model (or Rekognition collection) that indexed it: another than the collection's
    # own means the photo needs indexing again (`manage.py reindex`).
    face_model = models.CharField(max_length=100, blank=True)
    face_box = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    indexed_at = models.DateTimeField(null=True, blank=True)
    # What indexing noticed about the face (indexed all the same): it is unlike the person's
    # other photos, or like someone else enrolled (`advice_person`), at `advice_similarity`.
    advice = models.CharField(max_length=32, choices=Advice.choices, blank=True)
    advice_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    advice_similarity = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["person_id", "id"]
        indexes = [models.Index(fields=["state", "created_at"], name="photo_state")]

    def __str__(self) -> str:
        return f"Photo {self.pk} of {self.person}"

    @property
    def advice_text(self) -> str:
        """The advice in plain words, for the admin and the API."""
        similarity = f"similarity {self.advice_similarity:g}" if self.advice_similarity else ""
        if self.advice == self.Advice.LIKE_SOMEONE_ELSE:
            who = self.advice_person.name if self.advice_person else "someone since erased"
            return (
                f"Looks like {who} ({similarity}): the same person enrolled twice, a returning "
                "visitor to merge, or someone else's photo."
            )
        if self.advice == self.Advice.UNLIKE_OWN_PHOTOS:
            how_far = f" ({similarity})" if similarity else ""
            return (
                f"Does not match this person's other photos{how_far}: probably someone else's "
                "photo."
            )
        return ""


class StoredFace(models.Model):
    """A face vector of the `local` engine's collection (other engines keep faces remotely)."""

    face_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person_key = models.CharField(max_length=64, db_index=True)
    model = models.CharField(max_length=64, db_index=True)  # the face model that made it
    vector = models.BinaryField()  # float32, little-endian
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Face {self.face_id} of person {self.person_key}"


class CollectionVersion(models.Model):
    """Bumped on every change of the local collection, so each process knows to reload."""

    name = models.CharField(max_length=64, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
