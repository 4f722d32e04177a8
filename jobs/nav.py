from django.utils.translation import gettext_lazy as _

from core.nav import NavItem

EMPLOYER = frozenset({"employer"})

ITEMS = [
    NavItem(_("应聘者"), "jobs:inbox", EMPLOYER, order=30, testid="nav-inbox"),
]
