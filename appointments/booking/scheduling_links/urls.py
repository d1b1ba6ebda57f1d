from django.urls import path

from . import views

urlpatterns = [
    path("$bulk-publish", views.manifest, name="scheduling-links-manifest"),
    path("<str:resource_type>.ndjson", views.resource_file, name="scheduling-links-file"),
]
