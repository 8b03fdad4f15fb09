"""The image pages (the API is under /api/v1/images/)."""

from django.urls import path

from insight import views

urlpatterns = [
    path("", views.gallery, name="image-gallery"),
    path("<id:analysis_id>/", views.image_page, name="image-page"),
    path("<id:analysis_id>/delete/", views.image_delete, name="image-delete"),
]
