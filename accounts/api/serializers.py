"""Shapes of people and photos in the API."""

from django.urls import reverse
from rest_framework import serializers

from accounts.models import Employee, FacePhoto, Visitor


class FacePhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = FacePhoto
        fields = [
            "id",
            "state",
            "rejection_reason",
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
    "created_at",
    "photos",
]


class EmployeeSerializer(serializers.ModelSerializer):
    photos = FacePhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Employee
        fields = [*PERSON_FIELDS, "staff_number", "department", "active"]
        read_only_fields = ["id", "kind", "created_at", "consent_recorded_at", "photos"]


class VisitorSerializer(serializers.ModelSerializer):
    photos = FacePhotoSerializer(many=True, read_only=True)
    host = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Visitor
        fields = [*PERSON_FIELDS, "company", "host", "visit_start", "visit_end", "status"]
        read_only_fields = ["id", "kind", "created_at", "consent_recorded_at", "photos"]

    def validate(self, attrs):
        start = attrs.get("visit_start", getattr(self.instance, "visit_start", None))
        end = attrs.get("visit_end", getattr(self.instance, "visit_end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"visit_end": "The visit must end after it starts."})
        return attrs


class PhotoUploadSerializer(serializers.Serializer):
    # Empty files too go to the image check, which answers them as it does everywhere.
    image = serializers.FileField(
        allow_empty_file=True, help_text="A JPEG, PNG or WebP photo with exactly one face."
    )
