from django.urls import path

from livestreams.views import calendar as calendar_views
from livestreams.views import public as views

app_name = "livestreams"
urlpatterns = [
    path("", views.upcoming, name="upcoming"),
    path("s/<uuid:pk>/", views.session_page, name="session"),
    path("calendar/series/<uuid:pk>.ics", calendar_views.series_feed, name="series-feed"),
    path("calendar/session/<uuid:pk>.ics", calendar_views.session_download, name="session-ics"),
]
