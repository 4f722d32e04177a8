"""Every write and rule of the coaching app (package: catalog, booking, waitlist, tick, common helpers;
permission predicates in coaching/rules.py)."""

from coaching.rules import can_manage_program, can_manage_slot  # noqa: F401
from coaching.services.booking import (  # noqa: F401
    CHECKIN_OPENS_BEFORE,
    attendance_mark,
    attendance_mark_all,
    book_fast,
    booking_cancel,
    booking_check_in,
    booking_create,
    booking_move,
    booking_on_behalf,
    offer_accept,
    offer_decline,
    signup_and_book,
    trainee_register,
    waitlist_position,
)
from coaching.services.catalog import (  # noqa: F401
    coach_create,
    coach_update,
    program_create,
    program_update,
    slot_cancel,
    slot_create,
    slot_update,
    slots_create_weekly,
)
from coaching.services.common import bounded_locks, normalize_cn_mobile  # noqa: F401
from coaching.services.invitations import staff_invite, staff_invited  # noqa: F401, E402
from coaching.services.messages import slot_message  # noqa: F401, E402
from coaching.services.tick import (  # noqa: F401
    coaching_tick,
    noshows_mark_due,
    offers_expire_due,
    reminders_send_due,
    slots_fill_due,
)
from coaching.services.waitlist import offer_expiry, slot_offer_free_seats  # noqa: F401
from core.errors import Forbidden  # noqa: F401  -- old spelling coaching.services.Forbidden
