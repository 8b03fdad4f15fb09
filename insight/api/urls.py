from django.urls import path

from insight.api import views

urlpatterns = [
    path("images/", views.ImageListCreateApi.as_view(), name="image-list"),
    path("images/<id:pk>/", views.ImageDetailApi.as_view(), name="image-detail"),
    path("images/<id:pk>/file/", views.ImageFileApi.as_view(), name="image-file"),
]
