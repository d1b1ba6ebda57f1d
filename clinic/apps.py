from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    """The project package: settings, URLs, site-wide models (the clinic profile, roles) and developer commands."""

    default = True
    name = "clinic"
    verbose_name = "Clinic site"

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .admin_site import replace_totp_device_admin
        from .models import ClinicClosure
        from .opening_hours import forget_closures
        from .roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self, dispatch_uid="clinic-sync-roles")
        post_save.connect(forget_closures, sender=ClinicClosure, dispatch_uid="clinic-closures-saved")
        post_delete.connect(forget_closures, sender=ClinicClosure, dispatch_uid="clinic-closures-deleted")
        replace_totp_device_admin()  # the admin has autodiscovered django-otp's by now

        from datetime import timedelta

        from .worker import periodic_command

        # The sweep behind the worker's tasks: an email whose task was lost is still sent.
        periodic_command("send_pending_notifications", every=timedelta(minutes=1))
        # Finished task rows (sent emails' tasks) kept a week, then pruned.
        periodic_command("prune_db_task_results", every=timedelta(hours=6), args=["--min-age-days=7"])


class ClinicAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on our site class: sign-in with optional two-factor codes."""

    default = False
    default_site = "clinic.admin_site.ClinicAdminSite"
