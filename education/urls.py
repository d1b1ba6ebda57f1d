from django.urls import path

from clinic.edge_cache import shared_page

from . import views
from .feeds import LatestArticlesFeed

app_name = "education"

urlpatterns = [
    path("", shared_page(views.ArticleListView.as_view()), name="article-list"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", shared_page(LatestArticlesFeed()), name="feed"),
    path("topics/<slug:slug>/", shared_page(views.TopicDetailView.as_view()), name="topic-detail"),
    path("preview/<int:pk>/", views.ArticleDetailView.as_view(), name="article-preview"),
    path("<slug:slug>/", shared_page(views.ArticleDetailView.as_view()), name="article-detail"),
]
