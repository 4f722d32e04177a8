"""Viewers' questions: the answer service and the questions board's read model."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.activity import activity_log
from core.errors import ApplicationError, NotFound
from core.models import User
from livestreams import hooks, selectors
from livestreams.live import counters
from livestreams.models import LiveEvent, LiveSession, Product, Segment

BOARD_LIMIT = 500


def question_answer(*, session: LiveSession, question_id: int, by: User) -> tuple[LiveEvent, bool]:
    """Mark a viewer's question answered; returns (question, changed). Answering twice changes nothing."""
    if not selectors.sessions_staffed_by(by).filter(pk=session.pk).exists():
        raise NotFound("No such session.")
    if by.role not in ("organizer", "host") and not by.is_superuser:
        raise ApplicationError("Only hosts and organizers.", code="permission_denied", status_code=403)
    with transaction.atomic():
        changed = LiveEvent.objects.filter(
            session=session, pk=question_id, is_question=True, answered_at__isnull=True
        ).update(answered_at=timezone.now(), answered_by=by)
        event = LiveEvent.objects.filter(session=session, pk=question_id, is_question=True).first()
        if event is None:
            raise NotFound("No such question.")
        if changed:
            activity_log(actor=by, verb="question.answered", obj=event, session=str(session.pk))
    if changed:  # Redis is derived: bump after the row is written (a rebuild would count it anyway)
        counters.apply_answered(session.pk, 1)
    return event, bool(changed)


@dataclass
class Group:
    key: str
    title: str
    on_air: bool = False
    questions: list = field(default_factory=list)

    @property
    def unanswered(self) -> int:
        return sum(1 for q in self.questions if q.answered_at is None)


def _order(questions: list[LiveEvent]) -> list[LiveEvent]:
    """Unanswered first, newest first inside each half."""
    return sorted(questions, key=lambda q: (q.answered_at is not None, -q.ts.timestamp(), -q.pk))


def featured_items(session: LiveSession) -> list[dict]:
    """What a question may mention: a fair's job cards (from the jobs app) or a sales session's products."""
    cards: list[dict] = []
    for found in hooks.run("live_cards", session):
        cards.extend(found or [])
    if session.kind == LiveSession.Kind.SALES:
        sellers = [s.seller_id for s in Segment.objects.filter(session=session) if s.seller_id]
        products = Product.objects.filter(union_id=session.union_id).select_related("seller").order_by("name")
        if sellers:
            products = products.filter(seller_id__in=sellers)
        segment_of = {
            s.seller_id: str(s.pk) for s in Segment.objects.filter(session=session).order_by("-starts_at")
        }
        for p in products[:200]:
            cards.append(
                {
                    "key": str(p.pk),
                    "segment_id": segment_of.get(p.seller_id),
                    "title": p.name,
                    "owner": p.seller.name if p.seller_id else "",
                    "detail": f"¥{p.price} · {p.sku}",
                    "url": "",
                    "code": p.sku,
                }
            )
    return cards


def board(*, session: LiveSession) -> dict:
    """Questions grouped by segment and by the job or product they mention, with counts."""
    questions = list(
        LiveEvent.objects.filter(session=session, is_question=True)
        .select_related("answered_by")
        .order_by("-ts", "-pk")[:BOARD_LIMIT]
    )
    segments = list(Segment.objects.filter(session=session).order_by("starts_at", "position"))
    now = timezone.now()
    by_segment: dict[str, Group] = {
        str(s.pk): Group(key=str(s.pk), title=s.title, on_air=s.starts_at <= now < s.ends_at)
        for s in segments
    }
    outside = Group(key="", title="")
    for q in questions:
        seg = next((s for s in segments if s.starts_at <= q.ts < s.ends_at), None)
        (by_segment[str(seg.pk)] if seg else outside).questions.append(q)
    items = featured_items(session)
    by_item: dict[str, Group] = {}
    unmatched = Group(key="", title="")
    for q in questions:
        text = q.text or ""
        hits = [i for i in items if i["title"] and i["title"] in text]
        for item in hits:
            by_item.setdefault(item["key"], Group(key=item["key"], title=item["title"])).questions.append(q)
        if not hits:
            unmatched.questions.append(q)
    seg_groups = [g for g in by_segment.values() if g.questions] + ([outside] if outside.questions else [])
    item_groups = sorted(by_item.values(), key=lambda g: (-g.unanswered, g.title))
    for g in [*seg_groups, *item_groups, unmatched]:
        g.questions = _order(g.questions)
    answered = sum(1 for q in questions if q.answered_at is not None)
    return {
        "by_segment": seg_groups,
        "by_item": item_groups,
        "unmatched": unmatched,
        "latest": _order(questions),
        "answered": answered,
        "unanswered": len(questions) - answered,
        "total": len(questions),
    }
