"""Output shapes of the verification, calibration and on-site API (inputs are validated in the
views)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Employee, Visitor
from accounts.selectors import as_specific, photo_for_display
from recognition.calibration import BIN_WIDTH, histogram
from recognition.models import DecisionFeedback, GalleryMeasurement, Muster, Verification
from visits.api.serializers import VisitSerializer
from visits.services import can_check_in


class FaceBoxSerializer(serializers.Serializer):
    left = serializers.IntegerField()
    top = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class MatchedPersonSerializer(serializers.Serializer):
    """The matched person as the front desk needs them: who, what kind, and their photo."""

    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    name = serializers.CharField()
    photo_url = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    company = serializers.SerializerMethodField()

    def to_representation(self, instance):
        return super().to_representation(as_specific(instance))

    def get_photo_url(self, person) -> str | None:
        photo = photo_for_display(person)
        return reverse("photo-image", args=[photo.pk]) if photo else None

    def get_department(self, person) -> str | None:
        return person.department if isinstance(person, Employee) else None

    def get_company(self, person) -> str | None:
        return person.company if isinstance(person, Visitor) else None


class VerificationSerializer(serializers.ModelSerializer):
    person = MatchedPersonSerializer(allow_null=True)
    visit = VisitSerializer(
        allow_null=True,
        help_text="A visitor's visit the decision was judged by: the one covering the moment, "
        "else the next or the last.",
    )
    can_check_in = serializers.SerializerMethodField(
        help_text="Whether `POST .../check-in/` would check this visit in now."
    )
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
            "visit",
            "can_check_in",
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

    def get_can_check_in(self, verification) -> bool:
        return verification.decision == Verification.Decision.VISITOR and can_check_in(
            verification.visit
        )

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


class FalseAcceptsSerializer(serializers.Serializer):
    rate = serializers.FloatField(
        help_text="Share of measured people with someone else at the match threshold or above."
    )
    upper_bound = serializers.FloatField(help_text="The rate's 95 % upper bound (Wilson).")
    accepted = serializers.IntegerField()
    sampled = serializers.IntegerField()


class ClosestPairSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    person_name = serializers.CharField()
    other = serializers.IntegerField()
    other_name = serializers.CharField()
    similarity = serializers.FloatField()


class GalleryMeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = GalleryMeasurement
        fields = ["id", "state", "created_at", "finished_at", "people_enrolled", "engine"]


class CalibrationSerializer(serializers.Serializer):
    """`selectors.CalibrationData` as counts per similarity bin (0-100, `bin_width` wide)."""

    engine = serializers.CharField()
    match_threshold = serializers.FloatField()
    threshold_setting = serializers.CharField()
    deny_list_threshold = serializers.FloatField()
    target_false_accept_rate = serializers.FloatField()
    bin_width = serializers.SerializerMethodField()
    confirmed_right = serializers.SerializerMethodField(help_text="Decisions marked correct.")
    confirmed_wrong = serializers.SerializerMethodField(
        help_text="Decisions marked wrong_person, and possible deny-list matches cleared by an "
        "ID check."
    )
    missed = serializers.IntegerField(help_text="Decisions marked missed (counted only).")
    gallery = serializers.SerializerMethodField(
        help_text="The latest gallery measurement (null before the first): each measured "
        "person's similarity to the nearest other person, binned."
    )
    closest_pairs = serializers.SerializerMethodField()
    false_accepts = FalseAcceptsSerializer(allow_null=True)
    suggested_threshold = serializers.FloatField(source="suggestion.threshold", allow_null=True)
    suggestion_reason = serializers.CharField(source="suggestion.reason")
    right_below_suggested = serializers.IntegerField(source="suggestion.right_below")
    measurement_waiting = serializers.BooleanField()

    def get_bin_width(self, data) -> float:
        return BIN_WIDTH

    def get_confirmed_right(self, data) -> dict:
        return _binned(data.confirmed_right)

    def get_confirmed_wrong(self, data) -> dict:
        return _binned(data.confirmed_wrong)

    def get_gallery(self, data) -> dict | None:
        if data.measurement is None:
            return None
        return {
            **GalleryMeasurementSerializer(data.measurement).data,
            **_binned(data.measurement.nearest_similarities),
        }

    @extend_schema_field(ClosestPairSerializer(many=True))
    def get_closest_pairs(self, data) -> list[dict]:
        return [
            {
                "person": first.pk,
                "person_name": first.name,
                "other": second.pk,
                "other_name": second.name,
                "similarity": similarity,
            }
            for first, second, similarity in data.closest_pairs
        ]


def _binned(similarities: list[float]) -> dict:
    return {"count": len(similarities), "histogram": histogram(similarities)}


class HostSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class OnSiteVisitorSerializer(serializers.Serializer):
    """`selectors.PresentVisitor`."""

    id = serializers.IntegerField(source="visitor.pk")
    name = serializers.CharField(source="visitor.name")
    kind = serializers.CharField(source="visitor.kind")
    company = serializers.CharField(source="visitor.company")
    visit = serializers.IntegerField(source="visit.pk")
    host = HostSerializer(source="visit.host", allow_null=True)
    since = serializers.DateTimeField(
        source="visit.checked_in_at", help_text="When they were checked in."
    )
    visit_end = serializers.DateTimeField(source="visit.ends_at")
    badge_number = serializers.CharField(source="visit.badge_number")
    accounted_for_at = serializers.DateTimeField(
        allow_null=True, help_text="Their first verification since the muster started, if any."
    )


class OnSiteEmployeeSerializer(serializers.Serializer):
    """`selectors.PresentEmployee`."""

    id = serializers.IntegerField(source="employee.pk")
    name = serializers.CharField(source="employee.name")
    kind = serializers.CharField(source="employee.kind")
    department = serializers.CharField(source="employee.department")
    last_verified_at = serializers.DateTimeField(help_text="Their latest admission today.")
    accounted_for_at = serializers.DateTimeField(
        allow_null=True, help_text="Their first verification since the muster started, if any."
    )


class MusterSerializer(serializers.ModelSerializer):
    started_by = serializers.CharField(source="started_by_name")

    class Meta:
        model = Muster
        fields = ["id", "started_at", "started_by", "ended_at"]


class OnSiteSerializer(serializers.Serializer):
    """`selectors.OnSite`: without a muster, nobody is accounted for or missing."""

    visitors = OnSiteVisitorSerializer(many=True)
    employees = OnSiteEmployeeSerializer(many=True)
    muster = MusterSerializer(allow_null=True, help_text="The active muster, if any.")
    accounted_for = serializers.IntegerField()
    missing = serializers.IntegerField()
