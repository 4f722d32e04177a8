"""Every write and rule of the coaching app (package: catalog, booking, tick, common helpers)."""

from coaching.services.booking import (  # noqa: F401
    CHECKIN_OPENS_BEFORE,
    attendance_mark,
    attendance_mark_all,
    booking_cancel,
    booking_check_in,
    booking_create,
    booking_move,
    booking_on_behalf,
    offer_accept,
    offer_decline,
    offer_expiry,
    signup_and_book,
    slot_offer_free_seats,
    trainee_register,
    waitlist_position,
)
from coaching.services.catalog import (  # noqa: F401
    Forbidden,
    can_manage_program,
    can_manage_slot,
    coach_create,
    program_create,
    program_update,
    slot_cancel,
    slot_create,
    slot_update,
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
