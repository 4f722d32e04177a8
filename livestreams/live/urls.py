from django.urls import path

from livestreams.live import room
from livestreams.live import views as v

app_name = "livestreams_live"
urlpatterns = [
    path("s/<uuid:pk>/results/", v.results_page, name="results"),
    path("s/<uuid:pk>/results/recompute/", v.results_recompute, name="results-recompute"),
    path("s/<uuid:pk>/results.csv", v.results_export, {"fmt": "csv"}, name="results-csv"),
    path("s/<uuid:pk>/results.xlsx", v.results_export, {"fmt": "xlsx"}, name="results-xlsx"),
    path("s/<uuid:pk>/orders/import/", v.orders_upload, name="orders-import"),
    path("s/<uuid:pk>/live/", room.screen_page, name="live"),
    path("s/<uuid:pk>/live/data.json", room.screen_data, name="live-data"),
    path("s/<uuid:pk>/live/kit/", room.kit_page, name="kit"),
    path("s/<uuid:pk>/live/questions/", room.questions_page, name="questions"),
    path(
        "s/<uuid:pk>/live/questions/<int:question_id>/answer/", room.question_answer, name="question-answer"
    ),
    path("series/<uuid:pk>/results/", v.series_results_page, name="series-results"),
]
