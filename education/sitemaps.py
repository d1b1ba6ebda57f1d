from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Topic
from .structured_data import last_changed


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().order_by("pk")

    def lastmod(self, article):
        return last_changed(article)


class TopicSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return Topic.objects.filter(articles__in=Article.objects.published()).distinct().order_by("pk")


class PageSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return ["home", "education:article-list"]

    def location(self, name):
        return reverse(name)


sitemaps = {"pages": PageSitemap, "articles": ArticleSitemap, "topics": TopicSitemap}
