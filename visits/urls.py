from django.urls import path

from visits import views

# The API holds the names visit-list, visit-cancel and visit-invitation (/api/v1/visits/…), and
# a repeated name reverses to the last one defined: the pages' names differ.
urlpatterns = [
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_plan, name="visit-plan"),
    path("visits/<id:pk>/cancel/", views.visit_cancel, name="visit-page-cancel"),
    path(
        "visits/<id:pk>/invitation/",
        views.visit_send_invitation,
        name="visit-page-invitation",
    ),
    path("visits/<id:pk>/badge/", views.badge, name="visit-badge"),
    path("visits/<id:pk>/check-out/", views.check_out, name="visit-check-out"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
]
