from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = "Patient education"

    def ready(self):
        from .edge_addresses import connect_signals as purge_edge_caches_on_changes

        purge_edge_caches_on_changes()  # topics, the clinic profile, deleted articles (publishing calls its own)
