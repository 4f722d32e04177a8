from django.apps import AppConfig


class LivestreamsConfig(AppConfig):
    name = "livestreams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from livestreams import hooks  # noqa: PLC0415 -- app registry: models load after ready() starts
        from livestreams.live import room, tasks  # noqa: PLC0415 -- app registry

        hooks.register("ended", tasks.on_sessions_ended)
        hooks.register("session_page_sections", room.live_room_section)
