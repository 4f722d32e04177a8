from django.urls import path

from livestreams.views import public as views

app_name = "livestreams"
urlpatterns = [
    path("", views.upcoming, name="upcoming"),
    path("s/<uuid:pk>/", views.session_page, name="session"),
]
