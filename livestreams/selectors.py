from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

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


def sessions_staffed_by(user: User) -> QuerySet[LiveSession]:
    """Sessions a user works in: every session of an organizer's union, and the sessions a user hosts."""
    qs = LiveSession.objects.select_related("series", "union")
    if user.is_superuser:
        return qs
    scope = Q(hosts=user)
    if user.is_organizer and user.union_id:
        scope |= Q(union_id=user.union_id)
    return qs.filter(scope).distinct()


def session_for_staff(user: User, session_id) -> LiveSession:
    """The one gatekeeper for a session's live room: its union's organizers and its hosts; others get a 404."""
    return get_object_or_404(sessions_staffed_by(user), pk=session_id)


def session_header_for_staff(user: User, session_id) -> dict:
    """id, status and went_live_at of a session the user staffs (the scope of ``session_for_staff``) as
    one small row, no model instance: the live stats poll's only PostgreSQL read. Others get a 404."""
    row = sessions_staffed_by(user).filter(pk=session_id).values("id", "status", "went_live_at").first()
    if row is None:
        raise Http404
    return row


def session_for_organizer(user: User, session_id) -> LiveSession:
    return get_object_or_404(sessions_editable_by(user), pk=session_id)


def series_for_organizer(user: User, series_id) -> Series:
    """A series of the organizer's own union (superusers: any); others get a 404."""
    qs = Series.objects.all()
    if not user.is_superuser:
        if not (user.is_organizer and user.union_id):
            qs = qs.none()
        else:
            qs = qs.filter(union_id=user.union_id)
    return get_object_or_404(qs, pk=series_id)
