"""Server-rendered pages of the jobs app (mounted at the site root)."""

from django.urls import path, re_path

from jobs.views import employer
from jobs.views import public as views

app_name = "jobs"
urlpatterns = [
    path("j/<slug:code>/", views.apply_short, name="apply"),
    re_path(r"^j/(?P<code>[-\w]+)/qr\.(?P<kind>png|svg)$", views.qr_image, name="qr"),
    path("jobs/p/<uuid:pk>/", views.apply_direct, name="apply-direct"),
    path("jobs/fair/<uuid:pk>/", views.fair_lineup, name="fair"),
    path("jobs/employer/", employer.inbox, name="inbox"),
    path("jobs/invite/<str:token>/", views.invitation_accept, name="invitation"),
    path("jobs/employer/applications/<uuid:pk>/status/", employer.inbox_status, name="inbox-status"),
]

# The employer's workspace (jobs/views/employer.py).
urlpatterns += [
    path("jobs/employer/signup/", employer.signup, name="employer-signup"),
    path("jobs/employer/welcome/", employer.welcome, name="employer-welcome"),
    path("jobs/employer/team/", employer.team, name="employer-team"),
    path("jobs/employer/team/invite/", employer.team_invite, name="employer-team-invite"),
    path(
        "jobs/employer/team/invitations/<uuid:pk>/resend/",
        employer.invitation_resend,
        name="employer-invitation-resend",
    ),
    path(
        "jobs/employer/team/invitations/<uuid:pk>/revoke/",
        employer.invitation_revoke,
        name="employer-invitation-revoke",
    ),
    path(
        "jobs/employer/team/members/<int:pk>/remove/", employer.member_remove, name="employer-member-remove"
    ),
    path("jobs/employer/postings/", employer.postings, name="employer-postings"),
    path("jobs/employer/postings/new/", employer.posting_new, name="employer-posting-new"),
    path("jobs/employer/postings/<uuid:pk>/", employer.posting_detail, name="employer-posting"),
    path("jobs/employer/postings/<uuid:pk>/edit/", employer.posting_edit, name="employer-posting-edit"),
    path(
        "jobs/employer/postings/<uuid:pk>/preview/", employer.posting_preview, name="employer-posting-preview"
    ),
    path("jobs/employer/postings/<uuid:pk>/status/", employer.posting_status, name="employer-posting-status"),
    path(
        "jobs/employer/postings/<uuid:pk>/duplicate/",
        employer.posting_duplicate,
        name="employer-posting-duplicate",
    ),
    path("jobs/employer/fairs/", employer.fairs, name="employer-fairs"),
    path("jobs/employer/fairs/<uuid:pk>/request/", employer.fair_request, name="employer-fair-request"),
    path(
        "jobs/employer/requests/<uuid:pk>/withdraw/", employer.fair_withdraw, name="employer-request-withdraw"
    ),
    path("jobs/employer/applicants/bulk/", employer.inbox_bulk, name="employer-bulk"),
    re_path(
        r"^jobs/employer/applicants/export\.(?P<kind>csv|xlsx)$",
        employer.inbox_export,
        name="employer-export",
    ),
    path("jobs/employer/applicants/<uuid:pk>/", employer.applicant, name="employer-applicant"),
    path("jobs/employer/results/", employer.results, name="employer-results"),
]
