from core.models import Activity


def activity_log(*, actor, verb: str, obj, **data) -> Activity:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return Activity.objects.create(
        actor=user, verb=verb, object_type=obj._meta.label_lower, object_id=str(obj.pk), data=data
    )
