"""Server-rendered pages of the invites app (mounted at the site root)."""

from django.urls import path

from invites import views

app_name = "invites"
urlpatterns = [
    path("calendar/settings/", views.feed_settings, name="settings"),
    path("calendar/<str:token>.ics", views.personal_feed, name="personal-feed"),
]
