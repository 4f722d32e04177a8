"""Server-rendered pages of the invites app (mounted at the site root)."""

from django.urls import path  # noqa: F401

app_name = "invites"
urlpatterns: list = []
