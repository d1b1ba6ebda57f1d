from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = "Patient education"

    def ready(self):
        from datetime import timedelta

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from clinic.models import ClinicProfile
        from clinic.worker import periodic_command

        from .models import Article, ArticleRedirect, Section, Topic
        from .page_cache import content_changed

        for model in (Article, Section, Topic, ArticleRedirect, ClinicProfile):
            post_save.connect(content_changed, sender=model, dispatch_uid=f"page-cache-save-{model.__name__}")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"page-cache-delete-{model.__name__}")
        m2m_changed.connect(content_changed, sender=Article.topics.through, dispatch_uid="page-cache-topics")

        # The worker runs them (cron may too: two runs publish once, and an editor gets one digest a day).
        periodic_command("publish_scheduled_changes", every=timedelta(minutes=1))
        periodic_command("send_review_reminders", every=timedelta(hours=1))
