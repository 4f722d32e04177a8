"""The site's URLs with the anymail inbound webhooks mounted (as config/urls.py does when configured)."""

from django.urls import include, path

from config.urls import urlpatterns as site

urlpatterns = [*site, path("inbound/anymail/", include("anymail.urls"))]
