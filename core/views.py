"""Account pages shared by every app: where a person lands after logging in."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from core.models import User

# The page each role works from; hosts (and superusers without a role) start at the upcoming sessions.
HOME_BY_ROLE = {
    User.Role.EMPLOYER: "jobs:inbox",
    User.Role.COACH: "coaching:coach_home",
    User.Role.TRAINEE: "coaching:my_bookings",
    User.Role.ORGANIZER: "livestreams_org:home",
}


@login_required
def account_home(request):
    return redirect(HOME_BY_ROLE.get(request.user.role, "livestreams:upcoming"))
