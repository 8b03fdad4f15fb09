"""People API: employees and visitors, with their enrolment photos.

Each view validates with an input serializer, calls one service or selector, and answers with an
output serializer.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    EmployeeInputSerializer,
    EmployeeOutputSerializer,
    PhotoOutputSerializer,
    PhotoUploadSerializer,
    VisitorInputSerializer,
    VisitorOutputSerializer,
)
from accounts.models import Employee, FacePhoto, Visitor
from accounts.roles import EMPLOYEE_MANAGERS, EVERYONE, VISITOR_MANAGERS, HasRole
from core.api import (
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_KEY,
    STORED_FILE_RESPONSES,
    UPLOAD_ERRORS,
    ErrorSerializer,
    KnownQueryOnly,
    stored_file_response,
)
from core.idempotency import idempotent

SEARCH_PARAMETER = OpenApiParameter("search", str, description="Part of a name, email, …")


class _PeopleApi:
    """What the employee and visitor endpoints share: roles, and their serializers."""

    permission_classes = [HasRole]
    read_roles = EVERYONE
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    input_serializer: type
    output_serializer: type

    def get_serializer_class(self):
        return self.output_serializer

    def _valid_input(self, request, *, person=None, partial: bool = False) -> dict:
        payload = self.input_serializer(instance=person, data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        return payload.validated_data


class _PeopleListApi(_PeopleApi, generics.ListAPIView):
    """`GET`: the people, by name (`?search=`). `POST`: register one."""

    create_service: staticmethod
    list_selector: staticmethod

    class FilterSerializer(KnownQueryOnly):
        search = serializers.CharField(required=False, allow_blank=True)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return self.list_selector(**filters.validated_data)

    def post(self, request):
        person = self.create_service(**self._valid_input(request))
        return Response(self.output_serializer(person).data, status=status.HTTP_201_CREATED)


class _PersonApi(_PeopleApi, generics.RetrieveAPIView):
    """`GET`, `PUT`, `PATCH` one person; `DELETE` erases them with their photos and faces."""

    def put(self, request, pk: int):
        return self._update(request, partial=False)

    def patch(self, request, pk: int):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        person = self.get_object()
        data = self._valid_input(request, person=person, partial=partial)
        services.person_update(person=person, data=data)
        # Read again: the photos prefetched above may have been indexed or removed since.
        return Response(self.output_serializer(self.get_object()).data)

    def delete(self, request, pk: int):
        services.person_erase(person=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _writes(methods: list[str], status_code: int, input_serializer, output_serializer):
    """The OpenAPI description of a view's writes: what they take, answer and refuse."""
    return extend_schema(
        methods=methods,
        request=input_serializer,
        responses={status_code: output_serializer, status.HTTP_400_BAD_REQUEST: ErrorSerializer},
    )


@extend_schema(parameters=[SEARCH_PARAMETER])
@_writes(["POST"], 201, EmployeeInputSerializer, EmployeeOutputSerializer)
class EmployeeListCreateApi(_PeopleListApi):
    write_roles = EMPLOYEE_MANAGERS
    input_serializer = EmployeeInputSerializer
    output_serializer = EmployeeOutputSerializer
    create_service = staticmethod(services.employee_create)
    list_selector = staticmethod(selectors.employees_list)


@_writes(["PUT", "PATCH"], 200, EmployeeInputSerializer, EmployeeOutputSerializer)
class EmployeeDetailApi(_PersonApi):
    write_roles = EMPLOYEE_MANAGERS
    input_serializer = EmployeeInputSerializer
    output_serializer = EmployeeOutputSerializer

    def get_queryset(self):
        return selectors.employees_list()


@extend_schema(parameters=[SEARCH_PARAMETER])
@_writes(["POST"], 201, VisitorInputSerializer, VisitorOutputSerializer)
class VisitorListCreateApi(_PeopleListApi):
    write_roles = VISITOR_MANAGERS
    input_serializer = VisitorInputSerializer
    output_serializer = VisitorOutputSerializer
    create_service = staticmethod(services.visitor_create)
    list_selector = staticmethod(selectors.visitors_list)


@_writes(["PUT", "PATCH"], 200, VisitorInputSerializer, VisitorOutputSerializer)
class VisitorDetailApi(_PersonApi):
    write_roles = VISITOR_MANAGERS
    input_serializer = VisitorInputSerializer
    output_serializer = VisitorOutputSerializer

    def get_queryset(self):
        return selectors.visitors_list()


class _PersonPhotoApi(APIView):
    permission_classes = [HasRole]
    read_roles = EVERYONE
    person_model: type = Employee

    def _person(self, person_id: int):
        return get_object_or_404(self.person_model, pk=person_id)


class _PhotosApi(_PersonPhotoApi):
    """A person's enrolment photos: list, and upload (indexed once stored)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=PhotoOutputSerializer(many=True))
    def get(self, request, person_id: int):
        photos = self._person(person_id).photos.all()
        return Response(PhotoOutputSerializer(photos, many=True).data)

    @extend_schema(
        request=PhotoUploadSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PhotoOutputSerializer, **UPLOAD_ERRORS, **IDEMPOTENCY_ERRORS},
    )
    @idempotent
    def post(self, request, person_id: int):
        person = self._person(person_id)
        payload = PhotoUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        photo = services.photo_enroll(person=person, upload=payload.validated_data["image"])
        # Indexing ran on commit (in-process) or is still pending; the photo may even have been
        # deleted meanwhile by another request: then it is answered as it was stored.
        photo = FacePhoto.objects.filter(pk=photo.pk).first() or photo
        return Response(PhotoOutputSerializer(photo).data, status=status.HTTP_201_CREATED)


class _PhotoDetailApi(_PersonPhotoApi):
    """One enrolment photo: read, and delete (face, file and row)."""

    def _photo(self, person_id: int, photo_id: int) -> FacePhoto:
        return get_object_or_404(FacePhoto, pk=photo_id, person=self._person(person_id))

    @extend_schema(responses=PhotoOutputSerializer)
    def get(self, request, person_id: int, photo_id: int):
        return Response(PhotoOutputSerializer(self._photo(person_id, photo_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, person_id: int, photo_id: int):
        services.photo_delete(photo=self._photo(person_id, photo_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoImageApi(APIView):
    """An enrolment photo's image, for staff and API clients only: photos are biometric data.

    From local disk the image is sent here; from S3 the answer is a redirect to a presigned URL
    that expires (IMAGESIFT_PRESIGNED_URL_SECONDS), so the bytes never pass through the server
    and every link the API and pages show stays this one, behind the role check.
    """

    permission_classes = [HasRole]
    read_roles = EVERYONE

    @extend_schema(responses=STORED_FILE_RESPONSES)
    def get(self, request, photo_id: int) -> HttpResponse:
        return stored_file_response(get_object_or_404(FacePhoto, pk=photo_id).image)


class EmployeePhotosApi(_PhotosApi):
    write_roles = EMPLOYEE_MANAGERS
    person_model = Employee


class EmployeePhotoDetailApi(_PhotoDetailApi):
    write_roles = EMPLOYEE_MANAGERS
    person_model = Employee


class VisitorPhotosApi(_PhotosApi):
    write_roles = VISITOR_MANAGERS
    person_model = Visitor


class VisitorPhotoDetailApi(_PhotoDetailApi):
    write_roles = VISITOR_MANAGERS
    person_model = Visitor
