from django.apps import AppConfig


class InvitesConfig(AppConfig):
    name = "invites"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "日历邀请 Calendar invites"

    def ready(self):
        from anymail.signals import inbound

        from invites import adapters, replies
        from livestreams import hooks

        inbound.connect(replies.on_anymail_inbound, dispatch_uid="invites.rsvp_replies")

        hooks.register("scheduled", adapters.on_scheduled)
        hooks.register("rescheduled", adapters.on_rescheduled)
        hooks.register("updated", adapters.on_updated)
        hooks.register("cancelled", adapters.on_cancelled)
        hooks.register("segments_changed", adapters.on_segments_changed)
        hooks.register("reminder_recipients", adapters.reminder_recipients)
        hooks.register("session_page_sections", adapters.session_page_section)
