"""Output shapes of the verification API (inputs are validated in the views)."""

from django.urls import reverse
from rest_framework import serializers

from accounts.models import Employee, Visitor
from accounts.selectors import as_specific, photo_for_display
from recognition.models import DecisionFeedback, Verification


class FaceBoxSerializer(serializers.Serializer):
    left = serializers.IntegerField()
    top = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class MatchedPersonSerializer(serializers.Serializer):
    """The matched person as the front desk needs them: who, what kind, host and window."""

    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    name = serializers.CharField()
    photo_url = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    company = serializers.SerializerMethodField()
    host = serializers.SerializerMethodField()
    visit_start = serializers.SerializerMethodField()
    visit_end = serializers.SerializerMethodField()

    def to_representation(self, instance):
        return super().to_representation(as_specific(instance))

    def get_photo_url(self, person) -> str | None:
        photo = photo_for_display(person)
        return reverse("photo-image", args=[photo.pk]) if photo else None

    def get_department(self, person) -> str | None:
        return person.department if isinstance(person, Employee) else None

    def get_company(self, person) -> str | None:
        return person.company if isinstance(person, Visitor) else None

    def get_host(self, person) -> dict | None:
        if isinstance(person, Visitor) and person.host:
            return {"id": person.host.pk, "name": person.host.name}
        return None

    def get_visit_start(self, person) -> str | None:
        return person.visit_start.isoformat() if isinstance(person, Visitor) else None

    def get_visit_end(self, person) -> str | None:
        return person.visit_end.isoformat() if isinstance(person, Visitor) else None


class VerificationSerializer(serializers.ModelSerializer):
    person = MatchedPersonSerializer(allow_null=True)
    face_box = FaceBoxSerializer(allow_null=True)
    operator = serializers.CharField(source="operator_name")
    has_probe_image = serializers.SerializerMethodField()
    probe_url = serializers.SerializerMethodField()

    class Meta:
        model = Verification
        fields = [
            "id",
            "created_at",
            "decision",
            "reason",
            "person",
            "person_name",
            "similarity",
            "faces_seen",
            "face_box",
            "channel",
            "operator",
            "engine",
            "face_model",
            "match_threshold",
            "duration_ms",
            "has_probe_image",
            "probe_url",
            "liveness",
            "liveness_reason",
            "liveness_parallax",
        ]

    def get_has_probe_image(self, verification) -> bool:
        return bool(verification.probe_image)

    def get_probe_url(self, verification) -> str | None:
        """The role-checked link to the probe image while it is kept."""
        if not verification.probe_image:
            return None
        return reverse("verification-probe", args=[verification.pk])


class FeedbackSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_name")
    right_person = serializers.IntegerField(source="right_person_id", allow_null=True)
    enrolled_photo = serializers.IntegerField(source="enrolled_photo_id", allow_null=True)

    class Meta:
        model = DecisionFeedback
        fields = [
            "id",
            "verification",
            "verdict",
            "right_person",
            "right_person_name",
            "enrolled_photo",
            "note",
            "author",
            "created_at",
        ]
