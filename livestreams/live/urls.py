from django.urls import path

from livestreams.live import views as v

app_name = "livestreams_live"
urlpatterns = [
    path("s/<uuid:pk>/results/", v.results_page, name="results"),
    path("s/<uuid:pk>/results/recompute/", v.results_recompute, name="results-recompute"),
    path("s/<uuid:pk>/results.csv", v.results_export, {"fmt": "csv"}, name="results-csv"),
    path("s/<uuid:pk>/results.xlsx", v.results_export, {"fmt": "xlsx"}, name="results-xlsx"),
    path("s/<uuid:pk>/orders/import/", v.orders_upload, name="orders-import"),
    path("s/<uuid:pk>/live/", v.live_page, name="live"),
    path("series/<uuid:pk>/results/", v.series_results_page, name="series-results"),
]
