from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from clinic.models import ClinicProfile

from .models import Article


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("education:article-list")

    def title(self):
        return f"{ClinicProfile.load().name}: patient education"

    def subtitle(self):
        return "New and updated articles for patients."

    def items(self):
        return Article.objects.published()[:20]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.published_at, item.updated_at)
