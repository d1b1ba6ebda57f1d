from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    """The project package: settings, URLs and developer commands; no business logic."""

    default = True
    name = "clinic"
    verbose_name = "Clinic site"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
        from .admin_site import replace_totp_device_admin

        replace_totp_device_admin()  # the admin has autodiscovered django-otp's by now


class ClinicAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on our site class: sign-in with optional two-factor codes."""

    default = False
    default_site = "clinic.admin_site.ClinicAdminSite"
