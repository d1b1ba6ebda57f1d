from django.views.generic import TemplateView

from education.models import Article


class RequestConsultationView(TemplateView):
    """How to ask for a consultation, naming the article the visitor came from."""

    template_name = "appointments/request.html"

    def get_context_data(self, **kwargs):
        slug = self.request.GET.get("article", "")
        article = Article.objects.published().filter(slug=slug).first() if slug else None
        return super().get_context_data(article=article, **kwargs)
