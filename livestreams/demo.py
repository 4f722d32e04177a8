"""Demo: one union, an organizer and a host, a series with a job fair and a selling session."""

from datetime import timedelta

from django.utils import timezone

from core.models import Union, User
from livestreams.models import LiveSession, Segment, Series

DEMO_PASSWORD = "yizhan-demo"


def _user(username: str, *, role: str, union, display_name: str, **extra) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "union": union,
            "display_name": display_name,
            "email": f"{username}@example.com",
            **extra,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def seed(ctx: dict, stdout=None) -> None:
    union, _ = Union.objects.get_or_create(name="杭州市总工会", defaults={"city": "杭州"})
    organizer = _user("organizer", role="organizer", union=union, display_name="王主席", is_staff=True)
    host = _user("host", role="host", union=union, display_name="李主播")
    series, _ = Series.objects.get_or_create(
        union=union, title="2026 冬季“云招聘”直播带岗系列", defaults={"created_by": organizer}
    )
    now = timezone.now().replace(second=0, microsecond=0)
    fair_start = (now + timedelta(days=1)).replace(hour=2, minute=0)  # 10:00 Asia/Shanghai
    fair, created = LiveSession.objects.get_or_create(
        union=union,
        title="工会直播带岗专场：80 家企业 3000 个岗位",
        defaults={
            "series": series,
            "kind": LiveSession.Kind.JOB_FAIR,
            "platform": LiveSession.Platform.DOUYIN,
            "stream_url": "https://live.douyin.com/000000",
            "starts_at": fair_start,
            "ends_at": fair_start + timedelta(hours=2),
            "status": LiveSession.Status.SCHEDULED,
            "description": "工会主席走进直播间，为求职者介绍岗位、解答评论区问题。",
            "created_by": organizer,
        },
    )
    if created:
        fair.hosts.add(host)
        for i, title in enumerate(["开场：工会主席介绍本场岗位", "企业宣讲与答疑"]):
            start = fair.starts_at + timedelta(minutes=30 * i)
            Segment.objects.create(
                session=fair,
                title=title,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                position=i + 1,
            )
    sales_start = fair_start + timedelta(days=1, hours=6)  # 16:00 local
    sales, created = LiveSession.objects.get_or_create(
        union=union,
        title="学员首播：山区农产品直播带货",
        defaults={
            "series": series,
            "kind": LiveSession.Kind.SALES,
            "platform": LiveSession.Platform.KUAISHOU,
            "starts_at": sales_start,
            "ends_at": sales_start + timedelta(hours=1, minutes=30),
            "status": LiveSession.Status.SCHEDULED,
            "created_by": organizer,
            "description": "经过一周直播带货培训的学员第一次独立开播。",
        },
    )
    if created:
        sales.hosts.add(host)
    ctx.update(union=union, organizer=organizer, host=host, series=series, fair=fair, sales=sales)
    ctx.setdefault("logins", []).extend(
        [f"organizer / {DEMO_PASSWORD}  (union organizer)", f"host / {DEMO_PASSWORD}  (livestream host)"]
    )
