"""API routes of the invites app (mounted under /api/v1/)."""

from django.urls import path

from invites import api

urlpatterns: list = [
    path("calendar/feed/", api.FeedView.as_view(), name="calendar-feed"),
    path("calendar/feed/rotate/", api.FeedRotateView.as_view(), name="calendar-feed-rotate"),
    path("calendar/feed/revoke/", api.FeedRevokeView.as_view(), name="calendar-feed-revoke"),
    path("invites/deliveries/", api.MyDeliveriesView.as_view(), name="invite-deliveries"),
    path("invites/events/", api.EventListView.as_view(), name="invite-events"),
    path("invites/events/<int:pk>/", api.EventDetailView.as_view(), name="invite-event-detail"),
    path("invites/replies/", api.InboundReplyView.as_view(), name="invite-replies"),
]
