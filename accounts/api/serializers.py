"""Shapes of people and photos in the API: what a client sends (input) and gets (output)."""

from django.urls import reverse
from rest_framework import serializers
from rest_framework.fields import empty

from accounts.models import Employee, FacePhoto, Visitor
from core.api import KnownFieldsOnly


# --- output ---------------------------------------------------------------------------------
class PhotoOutputSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    rejection_reason = serializers.ChoiceField(
        choices=FacePhoto.Rejection.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why the photo is not indexed; empty when it is, or still waits.",
    )
    advice = serializers.ChoiceField(
        choices=FacePhoto.Advice.choices,
        allow_blank=True,
        read_only=True,
        help_text="What indexing noticed (the face is indexed all the same): "
        "`like_someone_else` (`advice_person`) or `unlike_own_photos`.",
    )
    advice_text = serializers.CharField(read_only=True, help_text="The advice in plain words.")

    class Meta:
        model = FacePhoto
        fields = [
            "id",
            "state",
            "rejection_reason",
            "advice",
            "advice_person",
            "advice_similarity",
            "advice_text",
            "face_id",
            "face_box",
            "created_at",
            "indexed_at",
            "image_url",
        ]
        read_only_fields = fields

    def get_image_url(self, photo) -> str:
        return reverse("photo-image", args=[photo.pk])


PERSON_FIELDS = [
    "id",
    "kind",
    "name",
    "email",
    "denied",
    "denied_reason",
    "consent_recorded_by",
    "consent_recorded_at",
    "consent_notice_version",
    "created_at",
    "photos",
]


class PersonOutputSerializer(serializers.ModelSerializer):
    """What employees and visitors show alike."""

    photos = PhotoOutputSerializer(many=True, read_only=True)
    email = serializers.CharField(read_only=True, help_text="An e-mail address, or empty.")


class EmployeeOutputSerializer(PersonOutputSerializer):
    class Meta:
        model = Employee
        fields = [*PERSON_FIELDS, "staff_number", "department", "active"]
        read_only_fields = fields


class VisitorOutputSerializer(PersonOutputSerializer):
    """A visitor; their stays are at /api/v1/visits/?visitor=<id>."""

    class Meta:
        model = Visitor
        fields = [*PERSON_FIELDS, "company"]
        read_only_fields = fields


# --- input ----------------------------------------------------------------------------------
class KeptBooleanField(serializers.BooleanField):
    """A yes/no that a form (multipart) leaves unchanged when it does not send it. DRF reads a
    missing form field as an unticked checkbox, False: a PUT of a person's name alone would
    take them off the deny list."""

    default_empty_html = empty


class PersonInputSerializer(KnownFieldsOnly):
    """What employees and visitors share. Uniqueness and the rest of the model's rules are
    checked by the services, and answered in the same shape. Photos are not taken here: a 400
    says where they go."""

    photos_path: str  # where a person's photos are sent instead

    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True)
    denied = KeptBooleanField(required=False)
    denied_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    consent_recorded_by = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Who recorded this person's consent to biometric processing (dated now); "
        "empty withdraws it.",
    )

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as refused:
            for name in ("image", "photos"):
                if isinstance(refused.detail, dict) and name in refused.detail:
                    refused.detail[name] = [
                        "Photos are not taken here: send each one, as `image`, to "
                        f"`POST {self.photos_path}`."
                    ]
            raise


class EmployeeInputSerializer(PersonInputSerializer):
    photos_path = "/api/v1/employees/{id}/photos/"

    staff_number = serializers.CharField(max_length=50)
    department = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = KeptBooleanField(required=False, help_text="Inactive employees are denied entry.")


class VisitorInputSerializer(PersonInputSerializer):
    photos_path = "/api/v1/visitors/{id}/photos/"

    company = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PhotoUploadSerializer(KnownFieldsOnly):
    # Empty files too go to the image check, which answers them as it does everywhere.
    image = serializers.FileField(
        allow_empty_file=True, help_text="A JPEG, PNG or WebP photo with exactly one face."
    )
