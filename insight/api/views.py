"""The image API: upload an image for analysis, read and search analyses, delete an image."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import EVERYONE, IMAGE_DELETERS, IMAGE_UPLOADERS, HasRole
from core.api import (
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_KEY,
    STORED_FILE_RESPONSES,
    UPLOAD_ERRORS,
    NewestFirst,
    stored_file_response,
)
from core.idempotency import idempotent
from insight import selectors, services
from insight.api.serializers import ImageAnalysisSerializer
from insight.models import ImageAnalysis


class ImageListCreateApi(generics.ListAPIView):
    """`GET`: analysed images, newest first, searched. `POST`: upload an image for analysis."""

    permission_classes = [HasRole]
    read_roles = EVERYONE
    write_roles = IMAGE_UPLOADERS
    serializer_class = ImageAnalysisSerializer
    pagination_class = NewestFirst
    parser_classes = [MultiPartParser, FormParser]

    class ImageFilterSerializer(serializers.Serializer):
        label = serializers.CharField(required=False, max_length=100)
        min_confidence = serializers.FloatField(required=False, min_value=0, max_value=100)
        person = serializers.IntegerField(required=False, source="person_id")
        moderation = serializers.ChoiceField(choices=selectors.MODERATION_STATES, required=False)
        status = serializers.ChoiceField(choices=ImageAnalysis.Status.choices, required=False)
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)

    class ImageUploadSerializer(serializers.Serializer):
        image = serializers.FileField(allow_empty_file=True, help_text="A JPEG, PNG or WebP image.")
        min_confidence = serializers.FloatField(
            required=False,
            min_value=0,
            max_value=100,
            help_text="Labels below this confidence are left out (default: the server's, 80).",
        )
        max_labels = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=1000,
            help_text="At most this many labels (default: the server's).",
        )

    def get_queryset(self):
        filters = self.ImageFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.analyses_search(**filters.validated_data)

    @extend_schema(
        description="Analysed images, newest first, in cursor pages. `label` matches a label "
        "or any of its parents (case-insensitive), at `min_confidence` or above; `person` an "
        "enrolled person's face; `moderation` whether any moderation label was found.",
        parameters=[ImageFilterSerializer, OpenApiParameter("page_size", int)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Store an image and analyse it in the background: labels, moderation "
        "labels, faces (and who they are) and text. Answers 202 at once with the analysis's "
        "URL; poll it until `status` is `done` or `failed`.",
        request=ImageUploadSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: ImageAnalysisSerializer, **UPLOAD_ERRORS, **IDEMPOTENCY_ERRORS},
    )
    @idempotent
    def post(self, request):
        payload = self.ImageUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        analysis = services.image_submit(
            upload=data["image"],
            source=ImageAnalysis.Source.API,
            user=request.user,
            min_confidence=data.get("min_confidence"),
            max_labels=data.get("max_labels"),
        )
        analysis = selectors.analysis_for_display(analysis.pk) or analysis
        body = ImageAnalysisSerializer(analysis, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class ImageDetailApi(generics.RetrieveDestroyAPIView):
    """`GET`: an image's analysis. `DELETE`: the image, its metadata JSON and its analysis."""

    permission_classes = [HasRole]
    read_roles = EVERYONE
    write_roles = IMAGE_DELETERS
    serializer_class = ImageAnalysisSerializer
    queryset = selectors.analyses_search()

    def perform_destroy(self, instance: ImageAnalysis) -> None:
        services.image_delete(analysis=instance)


class ImageFileApi(APIView):
    """The image itself: sent from local disk, or a redirect to a presigned S3 URL."""

    permission_classes = [HasRole]
    read_roles = EVERYONE

    @extend_schema(responses=STORED_FILE_RESPONSES)
    def get(self, request, pk: int) -> HttpResponse:
        return stored_file_response(get_object_or_404(ImageAnalysis, pk=pk).image)
