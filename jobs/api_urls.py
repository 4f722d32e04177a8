"""API routes of the jobs app, mounted under /api/v1/jobs/ (config/urls.py says why the prefix is there)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from jobs import api, api_employer

router = SimpleRouter()
router.register("employers", api.EmployerViewSet, basename="jobs-employer")
router.register("postings", api.PostingViewSet, basename="jobs-posting")
router.register("lineup-requests", api.LineupRequestViewSet, basename="jobs-lineup")
router.register("applications", api.ApplicationViewSet, basename="jobs-application")


def _report(action: str):
    return api.OrganizerReportViewSet.as_view({"get": action})


urlpatterns = [
    path(
        "applications/export.csv",
        api.ApplicationViewSet.as_view({"get": "export_csv"}),
        name="jobs-applications-csv",
    ),
    path(
        "applications/export.xlsx",
        api.ApplicationViewSet.as_view({"get": "export_xlsx"}),
        name="jobs-applications-xlsx",
    ),
    path("signup/", api.EmployerSignupView.as_view(), name="jobs-signup"),
    path("invitations/accept/", api.InvitationAcceptView.as_view(), name="jobs-invitation-accept"),
    path("apply/", api.apply_view, name="jobs-apply"),
    path("public/sessions/<uuid:pk>/lineup/", api.PublicLineupView.as_view(), name="jobs-public-lineup"),
    path("reports/sessions/<uuid:pk>/", _report("session_report"), name="jobs-report-session"),
    path(
        "reports/sessions/<uuid:pk>/applications/",
        _report("applications"),
        name="jobs-report-session-applications",
    ),
    path("reports/sessions/<uuid:pk>/export.csv", _report("export_csv"), name="jobs-report-session-csv"),
    path("reports/sessions/<uuid:pk>/export.xlsx", _report("export_xlsx"), name="jobs-report-session-xlsx"),
    path("reports/employers/<uuid:pk>/", _report("employer_report"), name="jobs-report-employer"),
    path("", include(router.urls)),
]

# The employer's own results (jobs/api_employer.py).
urlpatterns += [
    path(
        "employers/<uuid:pk>/results/",
        api_employer.EmployerResultsView.as_view(),
        name="jobs-employer-results",
    ),
]
