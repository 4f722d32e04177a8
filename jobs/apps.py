from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jobs import services
        from livestreams import hooks

        hooks.register("reminder_recipients", services.lineup_reminder_recipients)
        hooks.register("segments_changed", services.lineup_on_segments_changed)
