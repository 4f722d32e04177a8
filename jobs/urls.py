"""Server-rendered pages of the jobs app (mounted at the site root)."""

from django.urls import path, re_path

from jobs.views import public as views

app_name = "jobs"
urlpatterns = [
    path("j/<slug:code>/", views.apply_short, name="apply"),
    re_path(r"^j/(?P<code>[-\w]+)/qr\.(?P<kind>png|svg)$", views.qr_image, name="qr"),
    path("jobs/p/<uuid:pk>/", views.apply_direct, name="apply-direct"),
    path("jobs/fair/<uuid:pk>/", views.fair_lineup, name="fair"),
    path("jobs/employer/", views.employer_inbox, name="inbox"),
    path("jobs/invite/<str:token>/", views.invitation_accept, name="invitation"),
    path("jobs/employer/applications/<uuid:pk>/status/", views.employer_inbox_status, name="inbox-status"),
]
