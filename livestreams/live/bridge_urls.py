"""The streaming bridge's endpoints, included first by config/urls.py: they take the most requests of any
route (a bridge posting events every second per session), and Django tries URL patterns in order, so
here they are matched after one prefix instead of after every jobs, coaching and invites API route
(≈ 200 pattern tries per request, measured with cProfile on single-event requests)."""

from django.urls import path

from livestreams.live import api as v

urlpatterns = [
    path("sessions/<uuid:session_id>/events/", v.events_view, name="live-events"),
    path("sessions/<uuid:session_id>/events/webhook/", v.events_webhook_view, name="live-events-webhook"),
    path("sessions/<uuid:session_id>/orders/", v.orders_view, name="live-orders"),
]
