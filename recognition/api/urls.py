from django.urls import path

from recognition.api import views

urlpatterns = [
    path("verifications/", views.VerificationListCreateApi.as_view(), name="verification-list"),
    path(
        "verifications/<int:pk>/", views.VerificationDetailApi.as_view(), name="verification-detail"
    ),
]
