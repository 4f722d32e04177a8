from django.urls import path

from livestreams.live import api as v

urlpatterns = [
    path(
        "sessions/<uuid:session_id>/ingest-credentials/",
        v.CredentialListView.as_view(),
        name="live-credentials",
    ),
    path(
        "sessions/<uuid:session_id>/ingest-credentials/<str:key_id>/revoke/",
        v.CredentialRevokeView.as_view(),
        name="live-credential-revoke",
    ),
    path("sessions/<uuid:session_id>/live/", v.LiveStatsView.as_view(), name="live-stats"),
    path("sessions/<uuid:session_id>/questions/", v.QuestionListView.as_view(), name="live-questions"),
    path(
        "sessions/<uuid:session_id>/questions/<int:pk>/answer/",
        v.QuestionAnswerView.as_view(),
        name="live-question-answer",
    ),
    path("sessions/<uuid:session_id>/results/", v.ResultView.as_view(), name="live-result"),
    path(
        "sessions/<uuid:session_id>/results/compute/",
        v.ResultComputeView.as_view(),
        name="live-result-compute",
    ),
    path("series/<uuid:series_id>/results/", v.SeriesResultView.as_view(), name="live-series-result"),
    path("products/", v.ProductListView.as_view(), name="live-products"),
]
