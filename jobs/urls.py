"""Server-rendered pages of the jobs app (mounted at the site root)."""

from django.urls import path  # noqa: F401

app_name = "jobs"
urlpatterns: list = []
