"""Demo: a 7-day 直播带货 program, a coach, a week of classes (one full with a waitlist), trainees."""

from datetime import timedelta

from django.utils import timezone

from coaching.models import Booking, Coach, Program, Slot, Trainee
from core.demo import DemoLogin, demo_user
from livestreams.models import Segment


def _trainee(username: str, name: str, phone: str, union) -> Trainee:
    user = demo_user(username, role="trainee", union=union, display_name=name)
    trainee, _ = Trainee.objects.get_or_create(
        user=user, defaults={"phone": phone, "city": "杭州", "union": union}
    )
    return trainee


def _book(slot: Slot, trainee: Trainee, status: str, **extra) -> None:
    if Booking.objects.filter(slot=slot, trainee=trainee).exists():
        return
    Booking.objects.create(slot=slot, trainee=trainee, status=status, **extra)


def seed(ctx: dict, stdout=None) -> None:
    union, organizer = ctx["union"], ctx["organizer"]
    coach_user = demo_user("coach", role="coach", union=union, display_name="陈教练")
    coach, _ = Coach.objects.get_or_create(
        user=coach_user,
        defaults={
            "union": union,
            "bio": "抖音、快手带货主播，带过 200 多位学员完成首播。",
            "specialties": "直播带货、选品、话术、手机拍摄",
            "min_notice_hours": 1,
        },
    )
    program, created = Program.objects.get_or_create(
        union=union,
        title="7 天直播带货训练营（第 3 期）",
        defaults={
            "organizer": organizer,
            "description": "面向农户、下岗职工和灵活就业者的免费直播带货课程：直播间搭建、选品、话术、"
            "投流与售后，第 7 天在工会直播间完成首播。",
            "location": "杭州市滨江区职工驿站 3 楼",
            "capacity": 12,
            "cancel_cutoff_hours": 12,
            "offer_hours": 12,
            "max_active_bookings": 8,
        },
    )
    trainees = [
        _trainee("trainee", "李梅", "13800000001", union),
        _trainee("trainee2", "王强", "13800000002", union),
        _trainee("trainee3", "张秀英", "13800000003", union),
        _trainee("trainee4", "刘洋", "13800000004", union),
    ]
    # Signed up with name + mobile on the booking page: no password, signs in with an SMS code.
    phone_first = _trainee("trainee_zhao", "赵敏", "13805716688", union)
    if phone_first.user.has_usable_password():
        phone_first.user.set_unusable_password()
        phone_first.user.save(update_fields=["password"])
    if created:
        topics = [
            "直播间搭建与设备",
            "选品与供应链",
            "开场与留人话术",
            "短视频引流",
            "投流与数据复盘",
            "售后与合规",
            "结业首播彩排",
        ]
        day0 = (timezone.now() + timedelta(days=1)).replace(
            hour=6, minute=0, second=0, microsecond=0
        )  # 14:00 CST
        for i, topic in enumerate(topics):
            start = day0 + timedelta(days=i)
            Slot.objects.create(
                program=program,
                coach=coach,
                title=f"第 {i + 1} 天：{topic}",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=2 if i == 0 else 12,
                location=program.location,
            )
        one_on_one = day0 + timedelta(days=2, hours=3)
        Slot.objects.create(
            program=program,
            coach=coach,
            kind=Slot.Kind.ONE_ON_ONE,
            title="1:1 首播方案辅导",
            starts_at=one_on_one,
            ends_at=one_on_one + timedelta(minutes=30),
            capacity=1,
            location=program.location,
        )
        first = program.slots.order_by("starts_at").first()  # the full class, with a waitlist
        now = timezone.now()
        for trainee in trainees[:2]:
            _book(first, trainee, "confirmed", confirmed_at=now)
        for trainee in trainees[2:]:
            _book(first, trainee, "waitlisted")
        Slot.objects.filter(pk=first.pk).update(seats_taken=2)
        second = program.slots.order_by("starts_at")[1]
        for trainee in trainees:
            _book(second, trainee, "confirmed", confirmed_at=now)
        Slot.objects.filter(pk=second.pk).update(seats_taken=len(trainees))
    sales = ctx.get("sales")
    if sales is not None and not sales.segments.filter(seller=trainees[0].user).exists():
        # The demo trainee sells the tea segment of the livestreams demo's sales session (their first stream).
        segment = (
            sales.segments.filter(seller__isnull=True, title__contains="茶").first()
            or sales.segments.filter(seller__isnull=True).order_by("position").first()
        )
        if segment is not None:
            Segment.objects.filter(pk=segment.pk).update(seller=trainees[0].user)
    ctx["coaching_program"] = program
    ctx.setdefault("logins", []).extend(
        [
            DemoLogin("coach", username="coach", starts="/coaching/coach/", note="classes and attendance"),
            DemoLogin("trainee", username="trainee", starts="/coaching/me/", note="trainee2–4 too"),
            DemoLogin("trainee", phone=phone_first.phone, starts="/coaching/me/", note="code in this log"),
        ]
    )
