"""The organizer's slot-request and employer queues (mounted at the site root, under /organizer/)."""

from django.urls import path

from jobs.views import organizer as v

app_name = "jobs_org"
urlpatterns = [
    path("organizer/requests/", v.requests_index, name="requests"),
    path("organizer/fairs/<uuid:pk>/requests/", v.fair_requests, name="fair-requests"),
    path("organizer/requests/<uuid:pk>/approve/", v.request_approve, name="request-approve"),
    path(
        "organizer/fairs/<uuid:pk>/requests/approve-selected/",
        v.requests_approve_selected,
        name="requests-approve-selected",
    ),
    path("organizer/requests/<uuid:pk>/decline/", v.request_decline, name="request-decline"),
    path("organizer/requests/<uuid:pk>/remove/", v.request_remove, name="request-remove"),
    path("organizer/requests/<uuid:pk>/reinstate/", v.request_reinstate, name="request-reinstate"),
    path("organizer/employers/", v.employer_list, name="employers"),
    path("organizer/employers/<uuid:pk>/verify/", v.employer_verify, name="employer-verify"),
]
