"""The image API: upload an image for analysis, read and search analyses, delete an image."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import EVERYONE, IMAGE_DELETERS, IMAGE_UPLOADERS, HasRole
from core.api import (
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_KEY,
    STORED_FILE_RESPONSES,
    UPLOAD_ERRORS,
    KnownFieldsOnly,
    KnownQueryOnly,
    NewestFirst,
    stored_file_response,
)
from core.idempotency import idempotent
from insight import selectors, services
from insight.api.serializers import ImageAnalysisSerializer, ImageTakenInSerializer
from insight.models import ImageAnalysis


class ImageListCreateApi(generics.ListAPIView):
    """`GET`: analysed images, newest first, searched. `POST`: upload an image for analysis."""

    permission_classes = [HasRole]
    read_roles = EVERYONE
    write_roles = IMAGE_UPLOADERS
    serializer_class = ImageAnalysisSerializer
    pagination_class = NewestFirst
    parser_classes = [MultiPartParser, FormParser]

    class ImageFilterSerializer(KnownQueryOnly):
        text = serializers.CharField(
            required=False,
            min_length=2,
            max_length=200,
            help_text="Text read in the image contains this, case-blind (on PostgreSQL also "
            "words close to it, as OCR misreads a letter now and then).",
        )
        label = serializers.CharField(required=False, max_length=100)
        min_confidence = serializers.FloatField(required=False, min_value=0, max_value=100)
        person = serializers.IntegerField(required=False, source="person_id")
        moderation = serializers.ChoiceField(choices=selectors.MODERATION_STATES, required=False)
        status = serializers.ChoiceField(choices=ImageAnalysis.Status.choices, required=False)
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)

    class ImageUploadSerializer(KnownFieldsOnly):
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
        description="Analysed images, newest first, in cursor pages. `text` matches the text "
        "read in the image; `label` a label or any of its parents (case-insensitive), at "
        "`min_confidence` or above; `person` an enrolled person's face; `moderation` whether "
        "any moderation label was found. A query parameter not listed here is a 400 naming it.",
        parameters=[ImageFilterSerializer, OpenApiParameter("page_size", int)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Store an image and analyse it in the background: labels, moderation "
        "labels, faces (and who they are) and text. Answers 202 at once with the analysis's "
        "URL; poll it until `status` is `done` or `failed`. The same image uploaded again "
        "(the same bytes, with the same `min_confidence` and `max_labels`) is not stored or "
        "analysed twice: the answer is 200 with the analysis made before and `reused: true` "
        "(an earlier analysis that failed is not reused: the image is analysed afresh).",
        request=ImageUploadSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: OpenApiResponse(
                ImageTakenInSerializer,
                description="The same image was uploaded before: its analysis, `reused: true`.",
            ),
            202: OpenApiResponse(
                ImageTakenInSerializer, description="Stored; the analysis runs in the background."
            ),
            **UPLOAD_ERRORS,
            **IDEMPOTENCY_ERRORS,
        },
    )
    @idempotent
    def post(self, request):
        payload = self.ImageUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        intake = services.image_intake(
            upload=data["image"],
            source=_source_of(request),
            user=request.user,
            min_confidence=data.get("min_confidence"),
            max_labels=data.get("max_labels"),
        )
        analysis = selectors.analysis_for_display(intake.analysis.pk) or intake.analysis
        context = {"request": request, "reused": intake.reused}
        body = ImageTakenInSerializer(analysis, context=context).data
        if intake.reused:  # nothing was created: the body is the analysis at that URL
            return Response(body, headers={"Content-Location": body["url"]})
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


def _source_of(request: Request) -> str:
    """Where an upload came from: the site's own pages send the session's cookie (the gallery's
    script), any other client a token."""
    if isinstance(request.successful_authenticator, SessionAuthentication):
        return ImageAnalysis.Source.WEB
    return ImageAnalysis.Source.API


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
