from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from coaching.calendar import INVITE_OUTBOX_KIND, booking_invite_from_outbox  # noqa: PLC0415 -- app registry
        from coaching.services.common import (  # noqa: PLC0415 -- app registry
            BOOKING_NOTICE_OUTBOX_KIND,
            booking_notice_from_outbox,
        )
        from core.outbox import outbox_register  # noqa: PLC0415 -- app registry

        outbox_register(INVITE_OUTBOX_KIND, booking_invite_from_outbox)
        outbox_register(BOOKING_NOTICE_OUTBOX_KIND, booking_notice_from_outbox)
