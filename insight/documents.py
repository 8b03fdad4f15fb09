"""An analysis as one JSON document: what metadata/<image key>.json holds and the API serves.

Declared with DRF serializers so that the document and the API's OpenAPI schema are one thing.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from insight.models import ImageAnalysis


class BoxSerializer(serializers.Serializer):
    """A box as fractions (0-1) of the image's width and height."""

    left = serializers.FloatField()
    top = serializers.FloatField()
    width = serializers.FloatField()
    height = serializers.FloatField()


class LabelInstanceSerializer(serializers.Serializer):
    box = BoxSerializer()
    confidence = serializers.FloatField()


class LabelSerializer(serializers.Serializer):
    name = serializers.CharField()
    confidence = serializers.FloatField()
    parents = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    instances = LabelInstanceSerializer(many=True)


class ModerationLabelSerializer(serializers.Serializer):
    name = serializers.CharField()
    confidence = serializers.FloatField()
    parent = serializers.CharField(help_text="Empty for a top-level (level 1) category.")
    level = serializers.IntegerField(help_text="The label's level in the taxonomy, 1-3.")


class ModerationSerializer(serializers.Serializer):
    flagged = serializers.BooleanField(
        source="moderation_flagged", allow_null=True, help_text="Null until analysed."
    )
    labels = ModerationLabelSerializer(many=True, source="moderation_labels")


class FacePersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class FaceSerializer(serializers.Serializer):
    box = BoxSerializer()
    confidence = serializers.FloatField(
        help_text="The detector's confidence, 0-100 (YuNet's score on the local engine, "
        "Rekognition's on AWS)."
    )
    person = FacePersonSerializer(allow_null=True, help_text="Null: nobody enrolled.")
    similarity = serializers.FloatField(allow_null=True)


class TextLineSerializer(serializers.Serializer):
    text = serializers.CharField()
    confidence = serializers.FloatField()
    box = BoxSerializer()


class ImageInfoSerializer(serializers.Serializer):
    key = serializers.CharField(source="image.name", help_text="The image's storage key.")
    original_name = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField(source="content_sha256")
    source = serializers.CharField()
    uploaded_at = serializers.DateTimeField(source="created_at")


class ParametersSerializer(serializers.Serializer):
    min_confidence = serializers.FloatField()
    max_labels = serializers.IntegerField()


class AnalysisDocumentSerializer(serializers.Serializer):
    """The image, the analysis's state, and everything it found."""

    image = ImageInfoSerializer(source="*")
    status = serializers.ChoiceField(choices=ImageAnalysis.Status.choices)
    failure_reason = serializers.CharField()
    analysed_at = serializers.DateTimeField(allow_null=True)
    engine = serializers.CharField()
    models = serializers.DictField(
        source="models_used", child=serializers.CharField(), help_text="Model of each step."
    )
    parameters = ParametersSerializer(source="*")
    labels = LabelSerializer(many=True)
    moderation = ModerationSerializer(source="*")
    faces = FaceSerializer(many=True)
    text = TextLineSerializer(many=True, source="text_lines")
    timings_ms = serializers.DictField(
        child=serializers.FloatField(), help_text="Milliseconds of each step, and the total."
    )


def analysis_document(analysis: ImageAnalysis) -> dict[str, Any]:
    """The analysis as the JSON document (plain dicts and lists)."""
    return AnalysisDocumentSerializer(analysis).data
