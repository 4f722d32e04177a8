from django.utils.translation import gettext_lazy as _

from core.nav import NavItem

ITEMS = [
    NavItem(_("培训"), "coaching:programs", frozenset({"trainee"}), order=50, testid="nav-programs"),
    NavItem(_("培训"), "coaching_org:programs", frozenset({"organizer"}), order=50, testid="nav-programs"),
    NavItem(_("我的预约"), "coaching:my_bookings", frozenset({"trainee"}), order=20, testid="nav-bookings"),
    NavItem(_("我的课程"), "coaching:coach_home", frozenset({"coach"}), order=20, testid="nav-coach"),
    NavItem(
        _("邀请"), "coaching:staff_invitations", frozenset({"organizer"}), order=90, testid="nav-invitations"
    ),
]
