"""API routes of the coaching app (mounted under /api/v1/)."""

from django.urls import path

from coaching import api

urlpatterns = [
    path("coaching/programs/", api.ProgramListView.as_view(), name="coaching-programs"),
    path("coaching/programs/<uuid:pk>/", api.ProgramDetailView.as_view(), name="coaching-program"),
    path("coaching/programs/<uuid:pk>/stats/", api.ProgramStatsView.as_view(), name="coaching-program-stats"),
    path("coaching/coaches/", api.CoachListView.as_view(), name="coaching-coaches"),
    path("coaching/invitations/", api.StaffInvitationView.as_view(), name="coaching-invitations"),
    path("coaching/coaches/<int:pk>/stats/", api.CoachStatsView.as_view(), name="coaching-coach-stats"),
    path("coaching/slots/", api.SlotListView.as_view(), name="coaching-slots"),
    path("coaching/slots/<uuid:pk>/", api.SlotDetailView.as_view(), name="coaching-slot"),
    path("coaching/slots/<uuid:pk>/cancel/", api.SlotCancelView.as_view(), name="coaching-slot-cancel"),
    path(
        "coaching/slots/<uuid:pk>/attendees/", api.SlotAttendeesView.as_view(), name="coaching-slot-attendees"
    ),
    path("coaching/slots/<uuid:pk>/book/", api.slot_book_view, name="coaching-slot-book"),
    path("coaching/signup/", api.SignupView.as_view(), name="coaching-signup"),
    path("coaching/bookings/", api.MyBookingsView.as_view(), name="coaching-bookings"),
    path("coaching/bookings/<uuid:pk>/", api.BookingDetailView.as_view(), name="coaching-booking"),
    path(
        "coaching/bookings/<uuid:pk>/cancel/", api.BookingCancelView.as_view(), name="coaching-booking-cancel"
    ),
    path(
        "coaching/bookings/<uuid:pk>/accept/", api.BookingAcceptView.as_view(), name="coaching-booking-accept"
    ),
    path(
        "coaching/bookings/<uuid:pk>/decline/",
        api.BookingDeclineView.as_view(),
        name="coaching-booking-decline",
    ),
    path("coaching/bookings/<uuid:pk>/move/", api.BookingMoveView.as_view(), name="coaching-booking-move"),
    path(
        "coaching/bookings/<uuid:pk>/attendance/",
        api.BookingAttendanceView.as_view(),
        name="coaching-booking-attendance",
    ),
    path("coaching/checkin/", api.CheckInView.as_view(), name="coaching-checkin"),
    path("coaching/progress/me/", api.MyProgressView.as_view(), name="coaching-my-progress"),
    path("coaching/trainees/<int:pk>/progress/", api.TraineeProgressView.as_view(), name="coaching-progress"),
]
