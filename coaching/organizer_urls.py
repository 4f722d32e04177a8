"""The organizer's coaching setup pages (mounted at the site root, under /organizer/coaching/)."""

from django.urls import path

from coaching.views import organizer as v

app_name = "coaching_org"
urlpatterns = [
    path("organizer/coaching/", v.program_list, name="programs"),
    path("organizer/coaching/new/", v.program_create, name="program-new"),
    path("organizer/coaching/<uuid:pk>/", v.program_detail, name="program"),
    path("organizer/coaching/<uuid:pk>/edit/", v.program_edit, name="program-edit"),
    path("organizer/coaching/<uuid:pk>/slots/", v.slot_add, name="slot-add"),
    path("organizer/coaching/slots/<uuid:pk>/cancel/", v.slot_cancel, name="slot-cancel"),
    path("organizer/coaching/coaches/", v.coach_list, name="coaches"),
    path("organizer/coaching/coaches/<int:pk>/", v.coach_edit, name="coach-edit"),
]
