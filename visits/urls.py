from django.urls import path

from visits import views

urlpatterns = [
    path("visits/<int:pk>/badge/", views.badge, name="visit-badge"),
    path("visits/<int:pk>/check-out/", views.check_out, name="visit-check-out"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
]
