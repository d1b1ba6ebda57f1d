from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The project package: settings, URLs and developer commands; no business logic."""

    name = "clinic"
    verbose_name = "Clinic site"
