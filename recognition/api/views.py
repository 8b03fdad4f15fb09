"""The verification API: verify a face, read the audit log."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.roles import EVERYONE, VERIFIERS, HasRole
from core.api import IDEMPOTENCY_ERRORS, IDEMPOTENCY_KEY, UPLOAD_ERRORS
from core.idempotency import idempotent
from recognition import selectors, services
from recognition.api.serializers import VerificationSerializer
from recognition.models import Verification


class VerificationListCreateApi(generics.ListAPIView):
    """`GET`: the audit log, newest first. `POST`: verify the face in a photo."""

    permission_classes = [HasRole]
    read_roles = EVERYONE
    write_roles = VERIFIERS
    serializer_class = VerificationSerializer
    parser_classes = [MultiPartParser, FormParser]

    class FilterSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=Verification.Decision.choices, required=False)
        channel = serializers.ChoiceField(choices=Verification.Channel.choices, required=False)
        person = serializers.IntegerField(required=False, source="person_id")
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)

    class InputSerializer(serializers.Serializer):
        # Empty files too go to the image check, which answers them as it does everywhere.
        image = serializers.FileField(
            allow_empty_file=True, help_text="A JPEG, PNG or WebP photo with a face."
        )
        channel = serializers.ChoiceField(
            choices=[Verification.Channel.API, Verification.Channel.UI],
            default=Verification.Channel.API,
            help_text="`ui` when the front-desk page sends it.",
        )

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.verifications_list(**filters.validated_data)

    @extend_schema(
        description="The audit log, newest first, filtered by the parameters given.",
        parameters=[FilterSerializer],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Verify the face in a photo: who it is and whether they may enter. "
        "Every verification is recorded in the audit log.",
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: VerificationSerializer, **UPLOAD_ERRORS, **IDEMPOTENCY_ERRORS},
    )
    @idempotent
    def post(self, request):
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        verification = services.verification_perform(
            upload=payload.validated_data["image"],
            channel=payload.validated_data["channel"],
            operator=request.user,
        )
        return Response(VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)


class VerificationDetailApi(generics.RetrieveAPIView):
    permission_classes = [HasRole]
    read_roles = EVERYONE
    serializer_class = VerificationSerializer
    queryset = selectors.verifications_list()
