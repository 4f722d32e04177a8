from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from core import api as core_api
from core import views as core_views
from livestreams import api as livestreams_api

router = DefaultRouter()
router.register("series", livestreams_api.SeriesViewSet, basename="series")
router.register("sessions", livestreams_api.SessionViewSet, basename="session")

segment_list = livestreams_api.SegmentViewSet.as_view({"get": "list", "post": "create"})
segment_detail = livestreams_api.SegmentViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

api_v1 = [
    path("auth/token/", core_api.TokenView.as_view(), name="auth-token"),
    path("me/", core_api.MeView.as_view(), name="me"),
    path("sessions/<uuid:session_pk>/segments/", segment_list, name="segment-list"),
    path("sessions/<uuid:session_pk>/segments/<uuid:pk>/", segment_detail, name="segment-detail"),
    path("", include("livestreams.live_api_urls")),
    path("", include("jobs.api_urls")),
    path("", include("coaching.api_urls")),
    path("", include("invites.api_urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("healthz", core_api.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("accounts/home/", core_views.account_home, name="account-home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("jobs.urls")),
    path("", include("coaching.urls")),
    path("", include("invites.urls")),
    path("", include("livestreams.live_urls")),
    path("", include("livestreams.urls")),
]
