from django.urls import path

from livestreams import views

app_name = "livestreams"
urlpatterns = [
    path("", views.upcoming, name="upcoming"),
    path("s/<uuid:pk>/", views.session_page, name="session"),
]
