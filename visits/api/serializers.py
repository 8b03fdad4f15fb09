"""Shapes of the visits API: what a visit shows, and what planning or changing one takes."""

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from accounts.models import Employee, Visitor
from accounts.selectors import photo_for_display
from core.api import KnownFieldsOnly
from visits.models import Visit


class VisitPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class VisitVisitorSerializer(VisitPersonSerializer):
    company = serializers.CharField()
    email = serializers.CharField()
    photo_url = serializers.SerializerMethodField()

    def get_photo_url(self, visitor) -> str | None:
        photo = photo_for_display(visitor)
        return reverse("photo-image", args=[photo.pk]) if photo else None


class VisitSerializer(serializers.ModelSerializer):
    visitor = VisitVisitorSerializer(
        allow_null=True, help_text="None once the visitor was erased (the visit stays)."
    )
    host = VisitPersonSerializer(allow_null=True)
    checked_in_by = serializers.CharField(source="checked_in_by_name")
    checked_out_by = serializers.CharField(
        source="checked_out_by_name", help_text="`automatic` when the overdue sweep did it."
    )
    created_by = serializers.CharField(source="created_by_name")
    badge_url = serializers.SerializerMethodField(help_text="The printable badge page.")

    class Meta:
        model = Visit
        fields = [
            "id",
            "visitor",
            "host",
            "starts_at",
            "ends_at",
            "purpose",
            "status",
            "checked_in_at",
            "checked_in_by",
            "check_in_verification",
            "checked_out_at",
            "checked_out_by",
            "badge_number",
            "badge_url",
            "invited_at",
            "self_enrolled_at",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields

    def get_badge_url(self, visit) -> str | None:
        return reverse("visit-badge", args=[visit.pk]) if visit.badge_number else None


class NewVisitorSerializer(KnownFieldsOnly):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)


class VisitInputSerializer(KnownFieldsOnly):
    """A visit to plan (`VisitChangeSerializer` takes a change)."""

    visitor = serializers.PrimaryKeyRelatedField(
        queryset=Visitor.objects.all(),
        required=False,
        help_text="A registered visitor; or send `new_visitor` instead.",
    )
    new_visitor = NewVisitorSerializer(
        required=False, help_text="A visitor to register with the visit."
    )
    host = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects.all(), required=False, allow_null=True
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)
    invite = serializers.BooleanField(
        default=False,
        help_text="Email the visitor their invitation link (they need an email address).",
    )

    def validate(self, attrs):
        if ("visitor" in attrs) == ("new_visitor" in attrs):
            raise serializers.ValidationError(
                {"visitor": "Name a registered visitor, or send `new_visitor`: one of the two."}
            )
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": "The visit must end after it starts."})
        return attrs


class VisitChangeSerializer(KnownFieldsOnly):
    host = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects.all(), required=False, allow_null=True
    )
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InvitationSerializer(serializers.Serializer):
    """What an invitation link shows its visitor (no login): who is expected, when, and the
    privacy notice's version their consent will record."""

    visitor_name = serializers.CharField(source="visitor.name")
    host_name = serializers.CharField(source="host.name", allow_null=True, default=None)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    notice_version = serializers.SerializerMethodField()

    def get_notice_version(self, visit) -> str:
        return settings.IMAGESIFT_PRIVACY_NOTICE_VERSION


class EnrolmentInputSerializer(KnownFieldsOnly):
    consent = serializers.BooleanField(
        help_text="The visitor consents to their face being recorded: must be true."
    )
    image = serializers.FileField(
        allow_empty_file=True, help_text="A photo of the visitor alone (JPEG, PNG or WebP)."
    )


class EnrolmentSerializer(serializers.Serializer):
    photo = serializers.IntegerField(source="pk")
    state = serializers.CharField()
    message = serializers.CharField()
