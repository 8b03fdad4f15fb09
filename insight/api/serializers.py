"""Output shapes of the image API: the analysis document, with links."""

from django.urls import reverse
from rest_framework import serializers

from insight.documents import AnalysisDocumentSerializer
from insight.models import ImageAnalysis


class ImageAnalysisSerializer(AnalysisDocumentSerializer):
    """An image and its analysis: the metadata JSON document, with its id and links."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    def get_url(self, analysis: ImageAnalysis) -> str:
        return self._absolute(reverse("image-detail", args=[analysis.pk]))

    def get_image_url(self, analysis: ImageAnalysis) -> str:
        return self._absolute(reverse("image-file", args=[analysis.pk]))

    def get_page_url(self, analysis: ImageAnalysis) -> str:
        return self._absolute(reverse("image-page", args=[analysis.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ImageTakenInSerializer(ImageAnalysisSerializer):
    """The answer to an upload: the analysis, and whether it is one made before."""

    reused = serializers.SerializerMethodField(
        help_text="True: the same image (the same bytes) was uploaded before with the same "
        "`min_confidence` and `max_labels`, and this is that analysis (done, or still under "
        "way); nothing new was stored. False: a new analysis."
    )

    def get_reused(self, analysis: ImageAnalysis) -> bool:
        return bool(self.context.get("reused"))
