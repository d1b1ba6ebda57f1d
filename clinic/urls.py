from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from appointments.requests.views import PrivacyNoticeView
from education.sitemaps import sitemaps
from education.views import HomeView

from . import views
from .edge_cache import shared_page
from .security_txt import security_txt

urlpatterns = [
    path("", shared_page(HomeView.as_view()), name="home"),
    path("education/", include("education.urls")),
    path("appointments/", include("appointments.urls")),
    path("privacy/", PrivacyNoticeView.as_view(), name="privacy"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("sitemap.xml", shared_page(sitemap), {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", shared_page(views.robots_txt), name="robots-txt"),
    path(".well-known/security.txt", shared_page(security_txt), name="security-txt"),
    path("fhir/", include("appointments.booking.scheduling_links.urls")),  # SMART Scheduling Links
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", views.readyz, name="readyz"),
]

handler400 = "clinic.error_pages.bad_request"
handler403 = "clinic.error_pages.permission_denied"
handler404 = "clinic.error_pages.page_not_found"
handler500 = "clinic.error_pages.server_error"
