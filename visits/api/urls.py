from django.urls import path

from visits.api import views

urlpatterns = [
    path("visits/", views.VisitListCreateApi.as_view(), name="visit-list"),
    path("visits/<id:pk>/", views.VisitDetailApi.as_view(), name="visit-detail"),
    path("visits/<id:pk>/check-in/", views.VisitCheckInApi.as_view(), name="visit-check-in-api"),
    path("visits/<id:pk>/check-out/", views.VisitCheckOutApi.as_view(), name="visit-check-out-api"),
    path("visits/<id:pk>/cancel/", views.VisitCancelApi.as_view(), name="visit-cancel"),
    path("visits/<id:pk>/invitation/", views.VisitInvitationApi.as_view(), name="visit-invitation"),
    path("invitations/<str:token>/", views.InvitationApi.as_view(), name="invitation-api"),
    path(
        "invitations/<str:token>/enrolment/",
        views.InvitationEnrolmentApi.as_view(),
        name="invitation-enrolment",
    ),
]
