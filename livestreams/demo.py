"""Demo: one union, an organizer and a host, a series with two district job fairs and a selling session.

Idempotent: running it again finds the same rows by natural keys. When the demo sessions have drifted
into the past (the demo was seeded days ago), they are moved forward again — same rows, so the data other
apps hang on them (lineup requests, bookings) stays attached — so `make run` always shows upcoming ones.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from core.demo import DemoLogin, demo_user
from core.models import Union
from livestreams.calendar import session_invites_sync
from livestreams.models import LiveSession, Segment, Series

S = LiveSession.Status

# The fairs' company segments are taken by the jobs demo's employers, in this order.
FAIR_TITLE = "城东专场：钱塘·上城·拱墅 制造与服务业直播带岗"
FAIR_OLD_TITLES = ["工会直播带岗专场：80 家企业 3000 个岗位"]  # renamed in place on an older demo database
FAIR_LINEUP = [
    ("开场：工会主席介绍本场岗位与求职须知", 20),
    ("钱塘区下沙：恒芯电子 SMT 普工、品检员（包吃住）", 25),
    ("上城区湖滨：知味餐饮门店服务员（包吃）", 25),
    ("拱墅区大关：安康家政养老护理员（免费考证）", 25),
    ("评论区答疑：工会主席现场回答求职者问题", 25),
]
FAIR2_TITLE = "城北专场：余杭·临平 物流仓储与电商直播带岗"
FAIR2_LINEUP = [
    ("开场：余杭区、临平区总工会介绍岗位", 15),
    ("余杭区仁和：速达供应链快递分拣员（日结）", 25),
    ("临平新城：云仓电商仓管员、直播电商客服", 25),
    ("评论区答疑：工会主席现场回答求职者问题", 25),
]
SALES_TITLE = "学员首播：山区农产品直播带货"
SALES_LINEUP = [
    ("暖场：学员自我介绍与家乡故事", 15),
    ("高山云雾茶：冲泡演示与限时优惠", 30),
    ("土蜂蜜与笋干：产地直发", 30),
    ("复盘：讲师点评与观众问答", 15),
]


# (ctx key, (days from now, hour UTC), the session's fields). Times in Asia/Shanghai: 10:00 tomorrow,
# 16:00 the day after, 14:00 in three days.
SESSIONS = [
    (
        "fair",
        (1, 2),
        {
            "title": FAIR_TITLE,
            "length": timedelta(hours=2),
            "lineup": FAIR_LINEUP,
            "kind": LiveSession.Kind.JOB_FAIR,
            "platform": LiveSession.Platform.DOUYIN,
            "stream_url": "https://live.douyin.com/000000",
            "platform_room_id": "000000",
            "description": "工会主席走进直播间，为求职者介绍岗位、解答评论区问题。扫码即可一分钟报名。",
        },
    ),
    (
        "sales",
        (2, 8),
        {
            "title": SALES_TITLE,
            "length": timedelta(hours=1, minutes=30),
            "lineup": SALES_LINEUP,
            "kind": LiveSession.Kind.SALES,
            "platform": LiveSession.Platform.KUAISHOU,
            "stream_url": "https://live.kuaishou.com/u/demo",
            "description": "经过一周直播带货培训的学员第一次独立开播，带来家乡的高山茶叶和土特产。",
        },
    ),
    (
        "fair2",
        (3, 6),
        {
            "title": FAIR2_TITLE,
            "length": timedelta(hours=1, minutes=30),
            "lineup": FAIR2_LINEUP,
            "kind": LiveSession.Kind.JOB_FAIR,
            "platform": LiveSession.Platform.KUAISHOU,
            "stream_url": "https://live.kuaishou.com/u/hzgh-yuhang",
            "description": "余杭区、临平区总工会联合物流园区和电商产业园，介绍分拣、仓管、客服岗位，扫码一分钟报名。",
        },
    ),
]


def _next_local(now: datetime, *, days: int, hour_utc: int) -> datetime:
    return (now + timedelta(days=days)).replace(hour=hour_utc, minute=0, second=0, microsecond=0)


def _session(*, union, series, organizer, host, title, starts_at, length, lineup, **fields) -> LiveSession:
    if title == FAIR_TITLE:
        LiveSession.objects.filter(union=union, title__in=FAIR_OLD_TITLES).update(title=title)
    session, created = LiveSession.objects.get_or_create(
        union=union,
        title=title,
        defaults={
            "series": series,
            "starts_at": starts_at,
            "ends_at": starts_at + length,
            "status": S.SCHEDULED,
            "created_by": organizer,
            **fields,
        },
    )
    if created:
        session.hosts.add(host)
        start = starts_at
        for position, (segment_title, minutes) in enumerate(lineup, start=1):
            Segment.objects.create(
                session=session,
                title=segment_title,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                position=position,
            )
            start += timedelta(minutes=minutes)
    elif session.starts_at <= timezone.now() or session.status in (S.ENDED, S.CANCELLED):
        _move_forward(session, starts_at)
    return session


def _move_forward(session: LiveSession, starts_at: datetime) -> None:
    """Demo-only refresh: shift the session and its lineup to the new start and make it upcoming again."""
    delta = starts_at - session.starts_at
    for segment in session.segments.all():
        Segment.objects.filter(pk=segment.pk).update(
            starts_at=segment.starts_at + delta, ends_at=segment.ends_at + delta
        )
    LiveSession.objects.filter(pk=session.pk).update(
        starts_at=starts_at,
        ends_at=session.ends_at + delta,
        status=S.SCHEDULED,
        went_live_at=None,
        ended_at=None,
        cancelled_at=None,
        cancel_reason="",
        reminder_24h_for=None,
        reminder_1h_for=None,
        ical_sequence=session.ical_sequence + 1,
    )
    session.refresh_from_db()


def seed(ctx: dict, stdout=None) -> None:
    union, _ = Union.objects.get_or_create(name="杭州市总工会", defaults={"city": "杭州"})
    organizer = demo_user("organizer", role="organizer", union=union, display_name="王主席")
    host = demo_user("host", role="host", union=union, display_name="李主播")
    series, _ = Series.objects.get_or_create(
        union=union,
        title="2026 冬季“云招聘”直播带岗系列",
        defaults={
            "created_by": organizer,
            "description": "市总工会联合人社部门，每周两场直播带岗，工会主席走进直播间为职工推介岗位。",
        },
    )
    now = timezone.now()
    sessions = {
        name: _session(
            union=union,
            series=series,
            organizer=organizer,
            host=host,
            starts_at=_next_local(now, days=days, hour_utc=hour_utc),
            **spec,
        )
        for name, (days, hour_utc), spec in SESSIONS
    }
    ctx.update(union=union, organizer=organizer, host=host, series=series, **sessions)
    ctx.setdefault("logins", []).extend(
        [
            DemoLogin("organizer", username="organizer", starts="/organizer/", note="union organizer"),
            DemoLogin(
                "host", username="host", starts="/", note="upcoming sessions; each links its live room"
            ),
        ]
    )


def finish(ctx: dict) -> None:
    """After every app has seeded (lineup, sellers): publish the demo sessions' invites."""
    for name, _when, _spec in SESSIONS:
        session = ctx.get(name)
        if session is not None:
            session_invites_sync(session=session)  # idempotent: unchanged sessions send nothing again
