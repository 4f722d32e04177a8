from django.utils.translation import gettext_lazy as _

from core.nav import NavItem

EMPLOYER = frozenset({"employer"})

ORGANIZER = frozenset({"organizer"})

ITEMS = [
    NavItem(_("企业"), "jobs_org:employers", ORGANIZER, order=12, testid="nav-employers"),
    NavItem(_("报名申请"), "jobs_org:requests", ORGANIZER, order=13, testid="nav-requests"),
    NavItem(_("应聘者"), "jobs:inbox", EMPLOYER, order=30, testid="nav-inbox"),
    NavItem(_("岗位"), "jobs:employer-postings", EMPLOYER, order=31, testid="nav-postings"),
    NavItem(_("直播专场"), "jobs:employer-fairs", EMPLOYER, order=32, testid="nav-fairs"),
    NavItem(_("成效"), "jobs:employer-results", EMPLOYER, order=33, testid="nav-results"),
    NavItem(_("团队"), "jobs:employer-team", EMPLOYER, order=34, testid="nav-team"),
]
