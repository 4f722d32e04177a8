"""Who may open the organizer's pages: union organizers and platform staff (everyone else gets 403)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def organizer_required(view):
    """Anonymous people are sent to log in; signed-in people who are not organizers get a styled 403.

    Objects are scoped separately by each page's selector (another union's object is a 404).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if request.method != "GET":
                raise PermissionDenied
            return redirect_to_login(request.get_full_path())
        if not (user.is_superuser or (user.is_organizer and user.union_id)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
