from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from clinic.models import ClinicProfile

from .models import Article
from .structured_data import last_changed


class LatestArticlesFeed(Feed):
    """New articles as an Atom feed with every element RFC 4287 requires (feed author, ids, updated)."""

    feed_type = Atom1Feed
    link = reverse_lazy("education:article-list")

    def title(self):
        return f"{ClinicProfile.load().name}: patient education"

    def subtitle(self):
        return "New and updated articles for patients."

    def author_name(self):
        return ClinicProfile.load().name

    def author_link(self):
        return f"{settings.SITE_URL.rstrip('/')}{reverse('home')}"

    def feed_copyright(self):
        return f"© {ClinicProfile.load().name}"

    def items(self):
        return Article.objects.published()[:20]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_guid(self, item):
        # A tag URI (RFC 4151): the entry keeps its id when the article's web address changes.
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"tag:{host},{item.published_at:%Y-%m-%d}:/education/articles/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return last_changed(item)

    def feed_guid(self):
        # RFC 4287 §4.2.6: an id that never changes, so the configured address, not the request's.
        return f"{settings.SITE_URL.rstrip('/')}{reverse('education:feed')}"
