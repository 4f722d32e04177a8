"""The project's routes plus two that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("boom")


def denied(request):
    raise PermissionDenied


urlpatterns = [path("test-boom/", boom), path("test-denied/", denied), *project_urls]
