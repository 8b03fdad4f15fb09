from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import views as people_api
from recognition import views as recognition_views

# The admin under ImageSift's name. Its header links the front desk, the site's home page
# (templates/admin/base_site.html): no "View site" link beside it.
admin.site.site_header = "ImageSift administration"
admin.site.site_title = "ImageSift admin"
admin.site.site_url = None

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("recognition.api.urls")),
    path("", include("insight.api.urls")),
    path("", include("visits.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("", recognition_views.frontdesk, name="frontdesk"),
    path("kiosk/", recognition_views.kiosk, name="kiosk"),
    path("kiosk/verify/", recognition_views.kiosk_verify, name="kiosk-verify"),
    path("on-site/", recognition_views.on_site, name="on-site"),
    path("on-site/muster/", recognition_views.on_site_muster, name="on-site-muster"),
    path("photos/<id:photo_id>/", people_api.PhotoImageApi.as_view(), name="photo-image"),
    path("images/", include("insight.urls")),
    path("", include("visits.urls")),
    path("healthz", recognition_views.health, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler400 = "imagesift.errors.bad_request"
handler403 = "imagesift.errors.permission_denied"
handler404 = "imagesift.errors.page_not_found"
handler500 = "imagesift.errors.server_error"
