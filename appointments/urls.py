from django.urls import path

from .booking import views as booking_views
from .requests import views

app_name = "appointments"

urlpatterns = [
    path("request/", views.RequestConsultationView.as_view(), name="request"),
    path("request/received/", views.RequestReceivedView.as_view(), name="received"),
    path("book/<str:token>/", booking_views.BookView.as_view(), name="book"),
    path("book/<str:token>/booked/", booking_views.BookedView.as_view(), name="booked"),
    path("book/<str:token>/appointment.ics", booking_views.CalendarFileView.as_view(), name="calendar-file"),
    path("book/<str:token>/change/", booking_views.ChangeView.as_view(), name="change"),
    path("book/<str:token>/cancel/", booking_views.CancelView.as_view(), name="cancel"),
    path("book/<str:token>/other-times/", booking_views.OtherTimesView.as_view(), name="other-times"),
]
