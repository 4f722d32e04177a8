from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from sesame.views import LoginView as SesameLoginView

from core import account_pages
from core import api as core_api
from core import views as core_views

api_v1 = [
    path("auth/token/", core_api.TokenView.as_view(), name="auth-token"),
    path("me/", core_api.MeView.as_view(), name="me"),
    # An app whose routes share a first segment is mounted under it: Django tries patterns in order, and
    # an include at "" is descended into (and its misses collected for the 404 page) by every request
    # that reaches it, so /api/v1/sessions/<id>/live/ was tried against all 55 jobs and coaching routes
    # first (resolving it took ≈ 110 µs; /healthz ≈ 17 µs).
    path("jobs/", include("jobs.api_urls")),
    path("coaching/", include("coaching.api_urls")),
    path("", include("invites.api_urls")),
    path("", include("livestreams.api_urls")),
]

urlpatterns = [
    # The bridge's hot endpoints first (livestreams/live/bridge_urls.py says why).
    path("api/v1/", include("livestreams.live.bridge_urls")),
    path("healthz", core_api.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("accounts/home/", core_views.account_home, name="account-home"),
    # Sign-in pages (SMS code, password, email link) come before Django's defaults they replace.
    path("accounts/login/", account_pages.SignInView.as_view(), name="login"),
    path("accounts/magic/", SesameLoginView.as_view(), name="magic-login"),
    path("accounts/password_reset/", account_pages.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/preferences/", account_pages.preferences, name="preferences"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("jobs.urls")),
    path("", include("coaching.urls")),
    path("", include("invites.urls")),
    path("", include("livestreams.live.urls")),
    path("", include("livestreams.urls")),
    path("", include("livestreams.organizer_urls")),
    path("", include("jobs.organizer_urls")),
    path("", include("coaching.organizer_urls")),
]

if settings.ANYMAIL.get("WEBHOOK_SECRET"):  # inbound RSVP replies from an email provider (docs/invites.md)
    urlpatterns.append(path("inbound/anymail/", include("anymail.urls")))
