"""The verification API: verify a face, read the audit log, mark decisions, register an unknown
person as a walk-in; calibration; who is on site, and the evacuation roll call."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import VisitorOutputSerializer
from accounts.models import Person
from accounts.roles import (
    ADMINS,
    EMPLOYEE_MANAGERS,
    EVERYONE,
    STAFF,
    VERIFIERS,
    VISIT_RUNNERS,
    VISITOR_MANAGERS,
    HasRole,
    has_role,
)
from accounts.selectors import employees_list
from core.api import (
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_KEY,
    STORED_FILE_RESPONSES,
    UPLOAD_ERRORS,
    ErrorSerializer,
    KnownFieldsOnly,
    KnownQueryOnly,
    NoInput,
    stored_file_response,
)
from core.idempotency import idempotent
from recognition import measuring, muster, selectors, services, walk_in
from recognition.api.serializers import (
    CalibrationSerializer,
    FeedbackSerializer,
    GalleryMeasurementSerializer,
    MusterSerializer,
    OnSiteSerializer,
    VerificationSerializer,
)
from recognition.models import DecisionFeedback, Verification
from visits.api.serializers import VisitSerializer
from visits.services import visit_check_in

WRITE_REFUSALS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class VerificationListCreateApi(generics.ListAPIView):
    """`GET`: the audit log, newest first. `POST`: verify the face in a photo."""

    permission_classes = [HasRole]
    read_roles = EVERYONE
    write_roles = VERIFIERS
    serializer_class = VerificationSerializer
    parser_classes = [MultiPartParser, FormParser]

    class FilterSerializer(KnownQueryOnly):
        decision = serializers.ChoiceField(choices=Verification.Decision.choices, required=False)
        channel = serializers.ChoiceField(choices=Verification.Channel.choices, required=False)
        person = serializers.IntegerField(required=False, source="person_id")
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)

    class InputSerializer(KnownFieldsOnly):
        # Empty files too go to the image check, which answers them as it does everywhere.
        image = serializers.FileField(
            allow_empty_file=True,
            required=False,
            help_text="A JPEG, PNG or WebP photo with a face (or send `frames`).",
        )
        frames = serializers.ListField(
            child=serializers.FileField(allow_empty_file=True),
            required=False,
            max_length=settings.IMAGESIFT_LIVENESS_MAX_FRAMES,
            help_text="A burst of frames (about 1-2 s, at least 5) of the person turning their "
            "head: liveness is checked on it, and without `image` its middle frame is the probe.",
        )

        def validate(self, data):
            if "image" not in data and not data.get("frames"):
                raise serializers.ValidationError({"image": "Send an `image` or `frames`."})
            return data

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
        "Every verification is recorded in the audit log, its `channel` taken from how the "
        "request arrived: `api` with a token, `ui` with a signed-in session (the front-desk "
        "page). A client does not choose it: a `channel` field is a 400, like any field this "
        "endpoint does not take.",
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: VerificationSerializer, **UPLOAD_ERRORS, **IDEMPOTENCY_ERRORS},
    )
    @idempotent
    def post(self, request):
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        verification = services.verification_perform(
            upload=payload.validated_data.get("image"),
            frames=payload.validated_data.get("frames", []),
            channel=_channel(request),
            operator=request.user,
        )
        return Response(VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)


def _channel(request) -> str:
    """Where a verification came from, by how its request was authenticated: a session is the
    front-desk page (the kiosk has a view of its own), anything else an API client."""
    if isinstance(request.successful_authenticator, SessionAuthentication):
        return Verification.Channel.UI
    return Verification.Channel.API


class VerificationDetailApi(generics.RetrieveAPIView):
    permission_classes = [HasRole]
    read_roles = EVERYONE
    serializer_class = VerificationSerializer
    queryset = selectors.verifications_list()


class VerificationProbeApi(APIView):
    """The probe image of a verification, while its retention period lasts: the same role
    check and the same answer (bytes, or a redirect to a presigned S3 URL) as enrolment
    photos."""

    permission_classes = [HasRole]
    read_roles = EVERYONE

    @extend_schema(responses={**STORED_FILE_RESPONSES, 404: None})
    def get(self, request, pk: int) -> HttpResponse:
        verification = get_object_or_404(Verification, pk=pk)
        if not verification.probe_image:
            raise NotFound(
                "The probe image is no longer kept: it is deleted after the retention period "
                "(IMAGESIFT_PROBE_RETENTION_DAYS), or was never kept."
            )
        return stored_file_response(verification.probe_image)


class VerificationFeedbackApi(generics.ListAPIView):
    """`GET`: the marks on a decision, newest first. `POST`: mark it (append-only)."""

    permission_classes = [HasRole]
    read_roles = EVERYONE
    write_roles = VERIFIERS
    serializer_class = FeedbackSerializer
    pagination_class = None

    class FeedbackInputSerializer(KnownFieldsOnly):
        verdict = serializers.ChoiceField(choices=DecisionFeedback.Verdict.choices)
        note = serializers.CharField(max_length=1000, required=False, allow_blank=True)
        right_person = serializers.PrimaryKeyRelatedField(
            queryset=Person.objects.all(),
            required=False,
            allow_null=True,
            help_text="For `missed`: the person it should have matched.",
        )
        enrol_probe = serializers.BooleanField(
            default=False,
            help_text="For `missed`: enrol the probe as a photo of that person (their consent "
            "must be recorded; a role that manages people of their kind is needed).",
        )

    def get_queryset(self):
        return get_object_or_404(Verification, pk=self.kwargs["pk"]).feedback.all()

    @extend_schema(
        request=FeedbackInputSerializer,
        responses={201: FeedbackSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def post(self, request, pk: int):
        verification = get_object_or_404(Verification, pk=pk)
        payload = self.FeedbackInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        right_person = payload.validated_data.get("right_person")
        if payload.validated_data["enrol_probe"] and right_person is not None:
            managers = (
                EMPLOYEE_MANAGERS if right_person.kind == Person.Kind.EMPLOYEE else VISITOR_MANAGERS
            )
            if not has_role(request.user, *managers):
                raise PermissionDenied("Your role may not add photos to this person.")
        feedback = services.feedback_record(
            verification=verification, author=request.user, **payload.validated_data
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


class VerificationCheckInApi(APIView):
    """Check in the visit of the visitor this verification admitted (the desk's Check in
    button): the host is emailed and `visit.checked_in` announced. 400 when the answer was not
    `visitor`, or the visit cannot be checked in (cancelled, over, already in or out)."""

    permission_classes = [HasRole]
    write_roles = VISIT_RUNNERS

    @extend_schema(request=None, responses={200: VisitSerializer, **WRITE_REFUSALS})
    def post(self, request, pk: int) -> Response:
        NoInput(data=request.data).is_valid(raise_exception=True)
        verification = get_object_or_404(Verification.objects.select_related("visit"), pk=pk)
        if verification.decision != Verification.Decision.VISITOR or verification.visit is None:
            raise serializers.ValidationError(
                {"verification": "Only a verification that admitted a visitor checks them in."}
            )
        visit = visit_check_in(
            visit=verification.visit, by=request.user, verification_id=verification.pk
        )
        return Response(VisitSerializer(visit).data)


class VerificationWalkInApi(APIView):
    """Register the person an `unknown` answer saw as a visitor, the probe their first photo."""

    permission_classes = [HasRole]
    write_roles = VISITOR_MANAGERS

    class WalkInInputSerializer(KnownFieldsOnly):
        name = serializers.CharField(max_length=200)
        company = serializers.CharField(max_length=200, required=False, allow_blank=True)
        host = serializers.PrimaryKeyRelatedField(
            queryset=employees_list(active=True),
            required=False,
            allow_null=True,
            help_text="The employee they visit (an active one).",
        )
        until = serializers.DateTimeField(help_text="The end of the visit, which starts now.")
        consent = serializers.BooleanField(
            help_text="The visitor consents to their face being recorded: must be true."
        )

    @extend_schema(
        description="The visitor starts expected, their visit from now to `until`, their "
        "consent recorded as given at the desk; the probe is enrolled and indexed (see the "
        "photo's `state`). 400 by field: the answer was not `unknown`, the probe is no longer "
        "kept, no consent, `until` not in the future, or already registered from this probe.",
        request=WalkInInputSerializer,
        responses={
            201: VisitorOutputSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request, pk: int) -> Response:
        verification = get_object_or_404(Verification, pk=pk)
        payload = self.WalkInInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        visitor = walk_in.walk_in_register(
            verification=verification, registered_by=request.user, **payload.validated_data
        )
        return Response(VisitorOutputSerializer(visitor).data, status=status.HTTP_201_CREATED)


class CalibrationApi(APIView):
    """The thresholds against this site's own data (the admin's calibration page, as JSON)."""

    permission_classes = [HasRole]
    read_roles = ADMINS

    @extend_schema(responses={200: CalibrationSerializer, 403: ErrorSerializer})
    def get(self, request) -> Response:
        return Response(CalibrationSerializer(selectors.calibration_read()).data)


class GalleryMeasurementApi(APIView):
    """Measure the gallery again, in the background; a measurement already waiting is the
    answer instead of a second one."""

    permission_classes = [HasRole]
    write_roles = ADMINS

    @extend_schema(
        request=None, responses={202: GalleryMeasurementSerializer, 403: ErrorSerializer}
    )
    def post(self, request) -> Response:
        NoInput(data=request.data).is_valid(raise_exception=True)
        measurement = measuring.gallery_measurement_request(requested_by=request.user)
        return Response(
            GalleryMeasurementSerializer(measurement).data, status=status.HTTP_202_ACCEPTED
        )


class OnSiteApi(APIView):
    """Who is on site: visitors on site and employees admitted today; during a muster, who is
    accounted for and who is missing."""

    permission_classes = [HasRole]
    read_roles = EVERYONE

    @extend_schema(responses={200: OnSiteSerializer, 403: ErrorSerializer})
    def get(self, request) -> Response:
        return Response(OnSiteSerializer(selectors.on_site()).data)


class MusterApi(APIView):
    """Start the evacuation roll call, or end it."""

    permission_classes = [HasRole]
    write_roles = STAFF

    class MusterInputSerializer(KnownFieldsOnly):
        action = serializers.ChoiceField(
            choices=["start", "end"],
            help_text="`start` (the active muster is the answer if there is one) or `end`.",
        )

    @extend_schema(
        description="`start`: 201 with the new muster, or 200 with the one already active. "
        "`end`: 200 with the ended muster; 409 when none is active.",
        request=MusterInputSerializer,
        responses={
            200: MusterSerializer,
            201: MusterSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request) -> Response:
        payload = self.MusterInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        active = selectors.active_muster()
        if payload.validated_data["action"] == "start":
            if active is not None:
                return Response(MusterSerializer(active).data)
            started = muster.muster_start(started_by=request.user)
            return Response(MusterSerializer(started).data, status=status.HTTP_201_CREATED)
        if active is None:
            return Response(
                {"detail": "No muster is active.", "code": "no_active_muster"},
                status=status.HTTP_409_CONFLICT,
            )
        ended = muster.muster_end(muster=active, ended_by=request.user)
        return Response(MusterSerializer(ended).data)
