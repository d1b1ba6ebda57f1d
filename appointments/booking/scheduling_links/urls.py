from django.urls import path

from clinic.edge_cache import shared_page

from . import views

urlpatterns = [
    path("$bulk-publish", shared_page(views.manifest), name="scheduling-links-manifest"),
    path("<str:resource_type>.ndjson", shared_page(views.resource_file), name="scheduling-links-file"),
]
