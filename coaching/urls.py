"""Server-rendered pages of the coaching app (mounted at the site root)."""

from django.urls import path

from coaching.views import coach, invitations, trainee
from coaching.views import public as views

app_name = "coaching"
urlpatterns = [
    path("coaching/", views.program_list, name="programs"),
    path("coaching/p/<uuid:pk>/", views.program_detail, name="program"),
    path("coaching/p/<uuid:pk>/stats/", views.program_stats, name="program_stats"),
    path("coaching/book/<uuid:pk>/", views.book, name="book"),
    path("coaching/me/", views.my_bookings, name="my_bookings"),
    path("coaching/me/<uuid:pk>/calendar.ics", trainee.booking_ics, name="booking_ics"),
    path("coaching/me/<uuid:pk>/move/", trainee.booking_move_page, name="booking_move"),
    path("coaching/me/<uuid:pk>/<str:action>/", views.booking_action, name="booking_action"),
    path("coaching/coach/", views.coach_home, name="coach_home"),
    path("coaching/sheet/<uuid:pk>/", views.attendance_sheet, name="sheet"),
    path("coaching/checkin/<str:token>/", views.checkin, name="checkin"),
    path("coaching/sheet/<uuid:pk>/all-present/", coach.mark_all_present, name="sheet_all_present"),
    path(
        "coaching/sheet/<uuid:pk>/export.csv", coach.attendance_export, {"kind": "csv"}, name="sheet_export"
    ),
    path(
        "coaching/sheet/<uuid:pk>/export.xlsx",
        coach.attendance_export,
        {"kind": "xlsx"},
        name="sheet_export_xlsx",
    ),
    path("coaching/sheet/<uuid:pk>/message/", coach.message_class, name="sheet_message"),
    path("coaching/invitations/", invitations.staff_invitations, name="staff_invitations"),
]
