"""The organizer's workspace for sessions and series (mounted at the site root, under /organizer/)."""

from django.urls import path

from livestreams.views import organizer as v

app_name = "livestreams_org"
urlpatterns = [
    path("organizer/", v.home, name="home"),
    path("organizer/sessions/", v.session_list, name="sessions"),
    path("organizer/sessions/new/", v.session_create, name="session-new"),
    path("organizer/sessions/<uuid:pk>/", v.session_detail, name="session"),
    path("organizer/sessions/<uuid:pk>/edit/", v.session_edit, name="session-edit"),
    path("organizer/sessions/<uuid:pk>/schedule/", v.session_schedule, name="session-schedule"),
    path("organizer/sessions/<uuid:pk>/cancel/", v.session_cancel, name="session-cancel"),
    path("organizer/sessions/<uuid:pk>/postpone/", v.session_postpone, name="session-postpone"),
    path("organizer/sessions/<uuid:pk>/go-live/", v.session_go_live, name="session-go-live"),
    path("organizer/sessions/<uuid:pk>/end/", v.session_end, name="session-end"),
    path("organizer/sessions/<uuid:pk>/recompute/", v.session_recompute, name="session-recompute"),
    path("organizer/sessions/<uuid:pk>/segments/", v.segment_add, name="segment-add"),
    path("organizer/segments/<uuid:pk>/", v.segment_edit, name="segment-edit"),
    path("organizer/segments/<uuid:pk>/delete/", v.segment_delete, name="segment-delete"),
    path("organizer/segments/<uuid:pk>/move/<str:direction>/", v.segment_move, name="segment-move"),
    path("organizer/series/", v.series_list, name="series"),
    path("organizer/series/new/", v.series_create, name="series-new"),
    path("organizer/series/<uuid:pk>/", v.series_edit, name="series-edit"),
    path("organizer/results/", v.results_index, name="results"),
]
