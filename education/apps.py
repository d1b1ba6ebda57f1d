from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = "Patient education"

    def ready(self):
        from datetime import timedelta

        from clinic.worker import periodic_command

        from .edge_addresses import connect_signals as purge_edge_caches_on_changes

        purge_edge_caches_on_changes()  # topics, the clinic profile, deleted articles (publishing calls its own)

        # The worker runs them (cron may too: two runs publish once, and an editor gets one digest a day).
        periodic_command("publish_scheduled_changes", every=timedelta(minutes=1))
        periodic_command("send_review_reminders", every=timedelta(hours=1))
