from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = "Patient education"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from clinic.models import ClinicProfile

        from .edge_addresses import connect_signals as purge_edge_caches_on_changes
        from .models import Article, ArticleRedirect, Section, Topic
        from .page_cache import content_changed

        for model in (Article, Section, Topic, ArticleRedirect, ClinicProfile):
            post_save.connect(content_changed, sender=model, dispatch_uid=f"page-cache-save-{model.__name__}")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"page-cache-delete-{model.__name__}")
        m2m_changed.connect(content_changed, sender=Article.topics.through, dispatch_uid="page-cache-topics")
        purge_edge_caches_on_changes()  # topics, the clinic profile, deleted articles (publishing calls its own)
