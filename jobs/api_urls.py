"""API routes of the jobs app (mounted under /api/v1/)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from jobs import api, api_employer

router = SimpleRouter()
router.register("jobs/employers", api.EmployerViewSet, basename="jobs-employer")
router.register("jobs/postings", api.PostingViewSet, basename="jobs-posting")
router.register("jobs/lineup-requests", api.LineupRequestViewSet, basename="jobs-lineup")
router.register("jobs/applications", api.ApplicationViewSet, basename="jobs-application")


def _report(action: str):
    return api.OrganizerReportViewSet.as_view({"get": action})


urlpatterns = [
    path(
        "jobs/applications/export.csv",
        api.ApplicationViewSet.as_view({"get": "export_csv"}),
        name="jobs-applications-csv",
    ),
    path(
        "jobs/applications/export.xlsx",
        api.ApplicationViewSet.as_view({"get": "export_xlsx"}),
        name="jobs-applications-xlsx",
    ),
    path("jobs/signup/", api.EmployerSignupView.as_view(), name="jobs-signup"),
    path("jobs/invitations/accept/", api.InvitationAcceptView.as_view(), name="jobs-invitation-accept"),
    path("jobs/apply/", api.apply_view, name="jobs-apply"),
    path("jobs/public/sessions/<uuid:pk>/lineup/", api.PublicLineupView.as_view(), name="jobs-public-lineup"),
    path("jobs/reports/sessions/<uuid:pk>/", _report("session_report"), name="jobs-report-session"),
    path(
        "jobs/reports/sessions/<uuid:pk>/applications/",
        _report("applications"),
        name="jobs-report-session-applications",
    ),
    path("jobs/reports/sessions/<uuid:pk>/export.csv", _report("export_csv"), name="jobs-report-session-csv"),
    path(
        "jobs/reports/sessions/<uuid:pk>/export.xlsx", _report("export_xlsx"), name="jobs-report-session-xlsx"
    ),
    path("jobs/reports/employers/<uuid:pk>/", _report("employer_report"), name="jobs-report-employer"),
    path("", include(router.urls)),
]

# The employer's own results (jobs/api_employer.py).
urlpatterns += [
    path(
        "jobs/employers/<uuid:pk>/results/",
        api_employer.EmployerResultsView.as_view(),
        name="jobs-employer-results",
    ),
]
