"""Server-rendered pages of the coaching app (mounted at the site root)."""

from django.urls import path  # noqa: F401

app_name = "coaching"
urlpatterns: list = []
