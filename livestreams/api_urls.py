from django.urls import include, path
from rest_framework.routers import DefaultRouter

from livestreams import api

router = DefaultRouter()
router.register("series", api.SeriesViewSet, basename="series")
router.register("sessions", api.SessionViewSet, basename="session")

segment_list = api.SegmentViewSet.as_view({"get": "list", "post": "create"})
segment_detail = api.SegmentViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("sessions/<uuid:session_pk>/segments/", segment_list, name="segment-list"),
    path("sessions/<uuid:session_pk>/segments/<uuid:pk>/", segment_detail, name="segment-detail"),
    path("", include("livestreams.live.api_urls")),
    path("", include(router.urls)),
]
