from django.urls import path

from . import views
from .feeds import LatestArticlesFeed

app_name = "education"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="article-list"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", LatestArticlesFeed(), name="feed"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic-detail"),
    path("preview/<int:pk>/", views.ArticleDetailView.as_view(), name="article-preview"),
    path("<slug:slug>/", views.ArticleDetailView.as_view(), name="article-detail"),
]
