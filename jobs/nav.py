from django.utils.translation import gettext_lazy as _

from core.nav import NavItem

EMPLOYER = frozenset({"employer"})

ORGANIZER = frozenset({"organizer"})

ITEMS = [
    NavItem(_("企业"), "jobs_org:employers", ORGANIZER, order=12, testid="nav-employers"),
    NavItem(_("报名申请"), "jobs_org:requests", ORGANIZER, order=13, testid="nav-requests"),
    NavItem(_("应聘者"), "jobs:inbox", EMPLOYER, order=30, testid="nav-inbox"),
]
