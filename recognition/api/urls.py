from django.urls import path

from recognition.api import views

urlpatterns = [
    path("verifications/", views.VerificationListCreateApi.as_view(), name="verification-list"),
    path(
        "verifications/<id:pk>/", views.VerificationDetailApi.as_view(), name="verification-detail"
    ),
    path(
        "verifications/<id:pk>/probe/",
        views.VerificationProbeApi.as_view(),
        name="verification-probe",
    ),
    path(
        "verifications/<id:pk>/feedback/",
        views.VerificationFeedbackApi.as_view(),
        name="verification-feedback",
    ),
    path(
        "verifications/<id:pk>/check-in/",
        views.VerificationCheckInApi.as_view(),
        name="verification-check-in",
    ),
    path(
        "verifications/<id:pk>/walk-in/",
        views.VerificationWalkInApi.as_view(),
        name="verification-walk-in",
    ),
    path("on-site/", views.OnSiteApi.as_view(), name="on-site-api"),
    path("on-site/muster/", views.MusterApi.as_view(), name="on-site-muster-api"),
    path("calibration/", views.CalibrationApi.as_view(), name="calibration"),
    path(
        "calibration/measurements/",
        views.GalleryMeasurementApi.as_view(),
        name="gallery-measurement",
    ),
]
