from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("request/", views.RequestConsultationView.as_view(), name="request"),
    path("request/received/", views.RequestReceivedView.as_view(), name="received"),
]
