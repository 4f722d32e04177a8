from django.apps import AppConfig


class LivestreamsConfig(AppConfig):
    name = "livestreams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from livestreams import hooks
        from livestreams.live import room, tasks

        hooks.register("ended", tasks.on_sessions_ended)
        hooks.register("session_page_sections", room.live_room_section)
