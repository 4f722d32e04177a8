from django.utils.translation import gettext_lazy as _

from core.nav import NavItem

ORGANIZER = frozenset({"organizer"})

ITEMS = [
    NavItem(_("场次"), "livestreams_org:sessions", ORGANIZER, order=10, testid="nav-sessions"),
    NavItem(_("系列"), "livestreams_org:series", ORGANIZER, order=11, testid="nav-series"),
    NavItem(_("成效"), "livestreams_org:results", ORGANIZER, order=60, testid="nav-results"),
]
