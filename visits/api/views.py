"""Visits API: plan, list, change and cancel visits, invite their visitors, check them in and out;
and the two calls an invitation link makes, which need no login.

A host (the Hosts role, and no other) sees and plans only the visits they host: they are the
employee whose email address is their user's (`selectors.host_limited_to`).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import FacePhoto
from accounts.roles import VISIT_PLANNERS, VISIT_READERS, VISIT_RUNNERS, HasRole
from core.api import UPLOAD_ERRORS, ErrorSerializer, KnownQueryOnly, NoInput
from vision.faces.base import FaceRejected
from visits import invitations, selectors, services
from visits.api.serializers import (
    EnrolmentInputSerializer,
    EnrolmentSerializer,
    InvitationSerializer,
    VisitChangeSerializer,
    VisitInputSerializer,
    VisitSerializer,
)
from visits.models import Visit

REFUSALS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class _VisitsApi:
    permission_classes = [HasRole]
    read_roles = VISIT_READERS
    write_roles = VISIT_PLANNERS
    serializer_class = VisitSerializer

    def get_queryset(self):
        host = selectors.host_limited_to(self.request.user)
        return selectors.visits_list(host_id=host.pk if host else None)


class VisitListCreateApi(_VisitsApi, generics.ListAPIView):
    """`GET`: visits, latest start first, filtered. `POST`: plan one (and invite)."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    class FilterSerializer(KnownQueryOnly):
        status = serializers.ChoiceField(choices=Visit.Status.choices, required=False)
        host = serializers.IntegerField(required=False, source="host_id")
        visitor = serializers.IntegerField(required=False, source="visitor_id")
        day = serializers.DateField(required=False, help_text="Visits touching this day.")

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: VisitSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        host = selectors.host_limited_to(self.request.user)
        if host is not None:
            filters.validated_data["host_id"] = host.pk
        return selectors.visits_list(**filters.validated_data)

    @extend_schema(
        request=VisitInputSerializer,
        responses={201: VisitSerializer, **REFUSALS},
        description="Plan a visit for a registered `visitor`, or with a `new_visitor`; "
        "`invite` emails them a link to enrol their own face (the visit is then `invited`). "
        "A host plans only visits they host.",
    )
    def post(self, request):
        payload = VisitInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        host = selectors.host_limited_to(request.user)
        if host is not None:
            data["host"] = host
        visit = invitations.visit_plan(created_by=request.user, **data)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class VisitDetailApi(_VisitsApi, generics.RetrieveAPIView):
    """`GET` one visit; `PATCH` its host, window or purpose."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=VisitChangeSerializer, responses={200: VisitSerializer, **REFUSALS})
    def patch(self, request, pk: int):
        visit = self.get_object()
        payload = VisitChangeSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        if selectors.host_limited_to(request.user) is not None:
            payload.validated_data.pop("host", None)  # a host's visit stays theirs
        visit = services.visit_update(visit=visit, data=payload.validated_data)
        return Response(VisitSerializer(visit).data)


class _VisitActionApi(_VisitsApi, APIView):
    """A `POST` that moves one visit on, answered with the visit."""

    def perform(self, visit: Visit, user) -> Visit:
        raise NotImplementedError

    @extend_schema(request=None, responses={200: VisitSerializer, **REFUSALS})
    def post(self, request, pk: int):
        NoInput(data=request.data).is_valid(raise_exception=True)
        visit = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(VisitSerializer(self.perform(visit, request.user)).data)


class VisitCheckInApi(_VisitActionApi):
    """Check the visitor in by hand (after the desk checked their ID); a verification checks
    them in through `POST /api/v1/verifications/{id}/check-in/`. 400 for a visit that is
    cancelled, no-show, over, or already checked in or out."""

    write_roles = VISIT_RUNNERS

    def perform(self, visit, user):
        return services.visit_check_in(visit=visit, by=user)


class VisitCheckOutApi(_VisitActionApi):
    """Check the visitor out; 400 unless they are checked in."""

    write_roles = VISIT_RUNNERS

    def perform(self, visit, user):
        return services.visit_check_out(visit=visit, by=user)


class VisitCancelApi(_VisitActionApi):
    """Cancel a visit still to come; the visitor is told so at the door."""

    def perform(self, visit, user):
        return services.visit_cancel(visit=visit, by=user)


class VisitInvitationApi(_VisitActionApi):
    """Email the visitor their invitation link (again); 400 without an email address."""

    def perform(self, visit, user):
        return invitations.visit_invite(visit=visit, by=user)


# --- the invitation link: no login, the signed token is the only key --------------------------
TOKEN = OpenApiParameter("token", str, OpenApiParameter.PATH, description="From the email.")
INVITATION_ERRORS = {400: ErrorSerializer, 409: ErrorSerializer, 410: ErrorSerializer}


def refused(refusal: invitations.InvitationRefused) -> Response:
    return Response({"detail": refusal.message, "code": refusal.code}, status=refusal.status)


class InvitationApi(APIView):
    """What an invitation link is for. 400 for a link tampered with, 410 once its visit is
    over or cancelled, 409 once it was used."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[TOKEN], responses={200: InvitationSerializer, **INVITATION_ERRORS})
    def get(self, request, token: str):
        try:
            visit = invitations.invitation_open(token)
        except invitations.InvitationRefused as refusal:
            return refused(refusal)
        return Response(InvitationSerializer(visit).data)


class InvitationEnrolmentApi(APIView):
    """The visitor's consent and photo, through their link (once). The photo is checked at
    once: 422 with `code` (no_face, several_faces, face_too_small, too_blurry, too_dark) and
    `how_to_fix` when it will not do, and nothing is kept, so another can be sent."""

    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[TOKEN],
        request=EnrolmentInputSerializer,
        responses={
            201: EnrolmentSerializer,
            **UPLOAD_ERRORS,
            **INVITATION_ERRORS,
            422: ErrorSerializer,
        },
    )
    def post(self, request, token: str):
        payload = EnrolmentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            photo = invitations.invitation_enrol(
                token=token, consent=data["consent"], upload=data["image"]
            )
        except invitations.InvitationRefused as refusal:
            return refused(refusal)
        except FaceRejected as rejected:
            return Response(
                {
                    "detail": f"{rejected.reason.label}: {rejected.detail}.",
                    "code": rejected.reason.value,
                    "how_to_fix": rejected.reason.how_to_fix,
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        # Indexed on commit (in-process), or still pending: answered as it is now.
        photo = FacePhoto.objects.filter(pk=photo.pk).first() or photo
        answer = {
            "pk": photo.pk,
            "state": photo.state,
            "message": "Thank you: your photo is enrolled. See you soon.",
        }
        return Response(EnrolmentSerializer(answer).data, status=status.HTTP_201_CREATED)
