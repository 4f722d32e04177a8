from django.apps import AppConfig


class InvitesConfig(AppConfig):
    name = "invites"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "日历邀请 Calendar invites"

    def ready(self):
        from anymail.signals import inbound  # noqa: PLC0415 -- app registry: connect once apps are ready

        from invites import replies  # noqa: PLC0415 -- app registry

        inbound.connect(replies.on_anymail_inbound, dispatch_uid="invites.rsvp_replies")
