from django.urls import path

from accounts.api import views

urlpatterns = [
    path("employees/", views.EmployeeListCreateApi.as_view(), name="employee-list"),
    path("employees/<id:pk>/", views.EmployeeDetailApi.as_view(), name="employee-detail"),
    path(
        "employees/<id:person_id>/photos/",
        views.EmployeePhotosApi.as_view(),
        name="employee-photos",
    ),
    path(
        "employees/<id:person_id>/photos/<id:photo_id>/",
        views.EmployeePhotoDetailApi.as_view(),
        name="employee-photo-detail",
    ),
    path("visitors/", views.VisitorListCreateApi.as_view(), name="visitor-list"),
    path("visitors/<id:pk>/", views.VisitorDetailApi.as_view(), name="visitor-detail"),
    path(
        "visitors/<id:person_id>/photos/", views.VisitorPhotosApi.as_view(), name="visitor-photos"
    ),
    path(
        "visitors/<id:person_id>/photos/<id:photo_id>/",
        views.VisitorPhotoDetailApi.as_view(),
        name="visitor-photo-detail",
    ),
]
