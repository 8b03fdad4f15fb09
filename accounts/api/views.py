"""People API: employees and visitors, with their enrolment photos."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    EmployeeSerializer,
    FacePhotoSerializer,
    PhotoUploadSerializer,
    VisitorSerializer,
)
from accounts.models import Employee, FacePhoto, Visitor
from accounts.roles import Role
from imagesift.api import UPLOAD_ERRORS, HasRole, stored_file_response
from recognition.services import photo_delete, photo_enroll

EVERYONE = {Role.ADMIN, Role.FRONT_DESK, Role.API_CLIENT}
SEARCH_PARAMETER = OpenApiParameter("search", str, description="Part of a name, email, …")


class _PeopleApi:
    """What the employee and visitor endpoints share: roles and create/update via services."""

    permission_classes = [HasRole]
    read_roles = EVERYONE

    def perform_create(self, serializer):
        serializer.instance = self.create_service(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.person_update(
            person=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.person_erase(person=instance)


@extend_schema(parameters=[SEARCH_PARAMETER])
class EmployeeListCreateApi(_PeopleApi, generics.ListCreateAPIView):
    write_roles = {Role.ADMIN}
    serializer_class = EmployeeSerializer
    create_service = staticmethod(services.employee_create)

    def get_queryset(self):
        return selectors.employees_list(search=self.request.query_params.get("search", ""))


class EmployeeDetailApi(_PeopleApi, generics.RetrieveUpdateDestroyAPIView):
    write_roles = {Role.ADMIN}
    serializer_class = EmployeeSerializer
    queryset = selectors.employees_list()


@extend_schema(parameters=[SEARCH_PARAMETER])
class VisitorListCreateApi(_PeopleApi, generics.ListCreateAPIView):
    write_roles = {Role.ADMIN, Role.FRONT_DESK}
    serializer_class = VisitorSerializer
    create_service = staticmethod(services.visitor_create)

    def get_queryset(self):
        return selectors.visitors_list(search=self.request.query_params.get("search", ""))


class VisitorDetailApi(_PeopleApi, generics.RetrieveUpdateDestroyAPIView):
    write_roles = {Role.ADMIN, Role.FRONT_DESK}
    serializer_class = VisitorSerializer
    queryset = selectors.visitors_list()


class _PersonPhotoApi(APIView):
    permission_classes = [HasRole]
    read_roles = EVERYONE
    person_model: type = Employee

    def _person(self, person_id: int):
        return get_object_or_404(self.person_model, pk=person_id)


class _PhotosApi(_PersonPhotoApi):
    """A person's enrolment photos: list, and upload (indexed once stored)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=FacePhotoSerializer(many=True))
    def get(self, request, person_id: int):
        photos = self._person(person_id).photos.all()
        return Response(FacePhotoSerializer(photos, many=True).data)

    @extend_schema(
        request=PhotoUploadSerializer, responses={201: FacePhotoSerializer, **UPLOAD_ERRORS}
    )
    def post(self, request, person_id: int):
        person = self._person(person_id)
        payload = PhotoUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        photo = photo_enroll(person=person, upload=payload.validated_data["image"])
        photo.refresh_from_db()  # indexing ran on commit (in-process) or is still pending
        return Response(FacePhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class _PhotoDetailApi(_PersonPhotoApi):
    """One enrolment photo: read, and delete (face, file and row)."""

    def _photo(self, person_id: int, photo_id: int) -> FacePhoto:
        return get_object_or_404(FacePhoto, pk=photo_id, person=self._person(person_id))

    @extend_schema(responses=FacePhotoSerializer)
    def get(self, request, person_id: int, photo_id: int):
        return Response(FacePhotoSerializer(self._photo(person_id, photo_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, person_id: int, photo_id: int):
        photo_delete(photo=self._photo(person_id, photo_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoImageApi(APIView):
    """An enrolment photo's image, for staff and API clients only: photos are biometric data.

    From local disk the image is sent here; from S3 the answer is a redirect to a presigned URL
    that expires (IMAGESIFT_PRESIGNED_URL_SECONDS), so the bytes never pass through the server
    and every link the API and pages show stays this one, behind the role check.
    """

    permission_classes = [HasRole]
    read_roles = EVERYONE

    @extend_schema(
        responses={
            (200, "image/*"): bytes,
            302: OpenApiResponse(description="To a presigned S3 URL"),
        }
    )
    def get(self, request, photo_id: int) -> HttpResponse:
        return stored_file_response(get_object_or_404(FacePhoto, pk=photo_id).image)


class EmployeePhotosApi(_PhotosApi):
    write_roles = {Role.ADMIN}
    person_model = Employee


class EmployeePhotoDetailApi(_PhotoDetailApi):
    write_roles = {Role.ADMIN}
    person_model = Employee


class VisitorPhotosApi(_PhotosApi):
    write_roles = {Role.ADMIN, Role.FRONT_DESK}
    person_model = Visitor


class VisitorPhotoDetailApi(_PhotoDetailApi):
    write_roles = {Role.ADMIN, Role.FRONT_DESK}
    person_model = Visitor
