from django.db.models import Q, QuerySet

from core.models import User
from livestreams.models import LiveSession, Series

S = LiveSession.Status


def sessions_visible_to(user: User) -> QuerySet[LiveSession]:
    """Organizers see everything of their union; hosts see their own; everyone sees public non-drafts."""
    qs = LiveSession.objects.select_related("series", "union")
    if user.is_authenticated and user.is_superuser:
        return qs
    public = Q(is_public=True) & ~Q(status=S.DRAFT)
    if not user.is_authenticated:
        return qs.filter(public)
    visible = public | Q(hosts=user)
    if user.is_organizer:
        visible |= Q(union_id=user.union_id)
    return qs.filter(visible).distinct()


def sessions_editable_by(user: User) -> QuerySet[LiveSession]:
    qs = LiveSession.objects.select_related("series", "union")
    if user.is_superuser:
        return qs
    if user.is_organizer and user.union_id:
        return qs.filter(union_id=user.union_id)
    return qs.none()


def series_visible_to(user: User) -> QuerySet[Series]:
    qs = Series.objects.all()
    if user.is_authenticated and user.is_superuser:
        return qs
    if user.is_authenticated and user.is_organizer:
        return qs.filter(Q(union_id=user.union_id) | Q(is_public=True))
    return qs.filter(is_public=True)


def public_upcoming_sessions() -> QuerySet[LiveSession]:
    return (
        LiveSession.objects.filter(is_public=True, status__in=[S.SCHEDULED, S.LIVE])
        .select_related("series")
        .order_by("starts_at")
    )
