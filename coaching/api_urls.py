"""API routes of the coaching app, mounted under /api/v1/coaching/ (config/urls.py says why the prefix is
there)."""

from django.urls import path

from coaching import api

urlpatterns = [
    path("programs/", api.ProgramListView.as_view(), name="coaching-programs"),
    path("programs/<uuid:pk>/", api.ProgramDetailView.as_view(), name="coaching-program"),
    path("programs/<uuid:pk>/stats/", api.ProgramStatsView.as_view(), name="coaching-program-stats"),
    path("coaches/", api.CoachListView.as_view(), name="coaching-coaches"),
    path("invitations/", api.StaffInvitationView.as_view(), name="coaching-invitations"),
    path("coaches/<int:pk>/stats/", api.CoachStatsView.as_view(), name="coaching-coach-stats"),
    path("slots/", api.SlotListView.as_view(), name="coaching-slots"),
    path("slots/<uuid:pk>/", api.SlotDetailView.as_view(), name="coaching-slot"),
    path("slots/<uuid:pk>/cancel/", api.SlotCancelView.as_view(), name="coaching-slot-cancel"),
    path("slots/<uuid:pk>/attendees/", api.SlotAttendeesView.as_view(), name="coaching-slot-attendees"),
    path("slots/<uuid:pk>/book/", api.slot_book_view, name="coaching-slot-book"),
    path("signup/", api.SignupView.as_view(), name="coaching-signup"),
    path("bookings/", api.MyBookingsView.as_view(), name="coaching-bookings"),
    path("bookings/<uuid:pk>/", api.BookingDetailView.as_view(), name="coaching-booking"),
    path("bookings/<uuid:pk>/cancel/", api.BookingCancelView.as_view(), name="coaching-booking-cancel"),
    path("bookings/<uuid:pk>/accept/", api.BookingAcceptView.as_view(), name="coaching-booking-accept"),
    path(
        "bookings/<uuid:pk>/decline/",
        api.BookingDeclineView.as_view(),
        name="coaching-booking-decline",
    ),
    path("bookings/<uuid:pk>/move/", api.BookingMoveView.as_view(), name="coaching-booking-move"),
    path(
        "bookings/<uuid:pk>/attendance/",
        api.BookingAttendanceView.as_view(),
        name="coaching-booking-attendance",
    ),
    path("checkin/", api.CheckInView.as_view(), name="coaching-checkin"),
    path("progress/me/", api.MyProgressView.as_view(), name="coaching-my-progress"),
    path("trainees/<int:pk>/progress/", api.TraineeProgressView.as_view(), name="coaching-progress"),
]
