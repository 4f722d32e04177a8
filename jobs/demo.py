"""Demo: five verified employers in five districts, each in one of the two demo fairs' lineups.

E-mail addresses use each company's own domain under ``.test``, a top-level domain reserved by RFC 2606 /
RFC 6761 that never resolves: the demo reads like real companies, and no invite or notice it sends can
reach a real mailbox (a plausible ``.com`` or ``.cn`` name may belong to someone).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.demo import DemoLogin, demo_user
from core.models import User
from jobs import services
from jobs.models import Application, Employer, EmployerMembership, JobPosting, LineupRequest

# Credit codes carry valid GB 32100-2015 check characters (computed, fictitious companies).
EMPLOYERS = [
    {
        "login": "employer_dianzi",
        "fair": "fair",
        "domain": "hengxin-tech.test",
        "name": "杭州恒芯电子科技有限公司",
        "credit_code": "91330106MA2H3K7P1E",
        "industry": "电子制造",
        "city": "杭州",
        "district": "钱塘区",
        "contact_name": "陈经理",
        "contact_phone": "13857112345",
        "postings": [
            {
                "title": "电子厂普工（长白班）",
                "description": "SMT 产线操作、目检、包装。坐班为主，无需经验，岗前带薪培训 3 天。",
                "pay_type": "monthly",
                "pay_min": Decimal("5500"),
                "pay_max": Decimal("7500"),
                "headcount": 120,
                "district": "钱塘区",
                "address": "下沙街道 23 号大街 588 号",
                "shift": "day",
                "housing": "dorm",
                "meals": "free",
                "age_min": 18,
                "age_max": 45,
                "tags": ["长白班", "包吃住", "五险"],
                "insurance": True,
            },
            {
                "title": "品检员（两班倒）",
                "description": "来料与成品检验，需能看懂简单图纸。",
                "pay_type": "hourly",
                "pay_min": Decimal("24"),
                "pay_max": Decimal("28"),
                "headcount": 20,
                "district": "钱塘区",
                "shift": "rotating",
                "housing": "couples",
                "meals": "subsidized",
                "education": "senior",
                "tags": ["夫妻房", "餐补"],
                "insurance": True,
            },
        ],
    },
    {
        "login": "employer_kuaidi",
        "fair": "fair2",
        "domain": "suda-scm.test",
        "name": "浙江速达供应链管理有限公司",
        "credit_code": "91330110MA27Y8QX4Y",
        "industry": "物流快递",
        "city": "杭州",
        "district": "余杭区",
        "contact_name": "刘主管",
        "contact_phone": "13905718888",
        "postings": [
            {
                "title": "快递分拣员（夜班）",
                "description": "转运中心包裹分拣、装卸。夜班 20:00–次日 6:00，夜班补贴另计。",
                "pay_type": "daily",
                "pay_min": Decimal("260"),
                "pay_max": Decimal("320"),
                "headcount": 60,
                "district": "余杭区",
                "address": "仁和街道仓前物流园 6 号库",
                "shift": "night",
                "housing": "dorm",
                "meals": "subsidized",
                "age_min": 18,
                "age_max": 50,
                "tags": ["日结", "包住", "夜班补贴"],
                "insurance": False,
            },
        ],
    },
    {
        "login": "employer_canyin",
        "fair": "fair",
        "domain": "zhiwei-catering.test",
        "name": "杭州知味餐饮管理有限公司",
        "credit_code": "91330104MA2CD5WN00",
        "industry": "餐饮服务",
        "city": "杭州",
        "district": "上城区",
        "contact_name": "王店长",
        "contact_phone": "13777001234",
        "postings": [
            {
                "title": "餐饮服务员",
                "description": "门店点餐、传菜、收台。做六休一，节假日三倍工资。",
                "pay_type": "monthly",
                "pay_min": Decimal("4800"),
                "pay_max": Decimal("6000"),
                "headcount": 15,
                "district": "上城区",
                "address": "湖滨路 12 号",
                "shift": "rotating",
                "housing": "allowance",
                "meals": "free",
                "tags": ["包吃", "住房补贴", "新手可学"],
                "insurance": True,
            },
        ],
    },
    {
        "login": "employer_jiazheng",
        "fair": "fair",
        "domain": "ankang-jz.test",
        "name": "杭州安康家政服务有限公司",
        "credit_code": "91330105MA2KJ6T8XE",
        "industry": "家政养老",
        "city": "杭州",
        "district": "拱墅区",
        "contact_name": "周老师",
        "contact_phone": "13588106677",
        "postings": [
            {
                "title": "养老护理员",
                "description": "社区养老服务中心照护老人起居，持养老护理员证优先，无证可参加工会免费培训考证。",
                "pay_type": "monthly",
                "pay_min": Decimal("6000"),
                "pay_max": Decimal("8000"),
                "headcount": 30,
                "district": "拱墅区",
                "address": "大关路 286 号大关街道社区服务中心",
                "shift": "rotating",
                "housing": "dorm",
                "meals": "free",
                "age_min": 25,
                "age_max": 55,
                "tags": ["包吃住", "免费考证", "做六休一"],
                "insurance": True,
            },
        ],
    },
    {
        "login": "employer_dianshang",
        "fair": "fair2",
        "domain": "yuncang-ec.test",
        "name": "杭州云仓电子商务有限公司",
        "credit_code": "91330113MA2J7WQ5LX",
        "industry": "电子商务",
        "city": "杭州",
        "district": "临平区",
        "contact_name": "孙主管",
        "contact_phone": "15858203344",
        "postings": [
            {
                "title": "电商仓管员",
                "description": "电商仓库入库、拣货、打包与盘点，会用手持终端即可，旺季有加班费。",
                "pay_type": "monthly",
                "pay_min": Decimal("5200"),
                "pay_max": Decimal("6800"),
                "headcount": 40,
                "district": "临平区",
                "address": "临平新城望梅路 588 号云仓产业园 3 号楼",
                "shift": "day",
                "housing": "dorm",
                "meals": "subsidized",
                "age_min": 18,
                "age_max": 45,
                "tags": ["包住", "餐补", "旺季加班费"],
                "insurance": True,
            },
            {
                "title": "直播电商客服",
                "description": "淘宝、抖音店铺在线客服，解答买家咨询、处理售后，普通话流利、打字每分钟 50 字以上。",
                "pay_type": "monthly",
                "pay_min": Decimal("4500"),
                "pay_max": Decimal("6500"),
                "headcount": 25,
                "district": "临平区",
                "address": "临平新城望梅路 588 号云仓产业园 3 号楼",
                "shift": "rotating",
                "housing": "allowance",
                "meals": "subsidized",
                "education": "junior",
                "tags": ["坐班", "住房补贴", "可学直播"],
                "insurance": True,
            },
        ],
    },
]

APPLICANTS = [
    ("张伟", "13800138001"),
    ("李娜", "13912345678"),
    ("王芳", "15088886666"),
    ("刘洋", "18657100001"),
]


def _owner(spec: dict, employer: Employer, union) -> User:
    user = demo_user(
        spec["login"], role=User.Role.EMPLOYER, display_name=spec["contact_name"], email_domain=spec["domain"]
    )
    EmployerMembership.objects.get_or_create(user=user, defaults={"employer": employer, "role": "owner"})
    return user


def seed(ctx: dict, stdout=None) -> None:
    organizer = ctx["organizer"]
    first_posting_link = None
    placed = {"fair": 0, "fair2": 0}  # company slots taken so far in each fair's lineup
    for spec in EMPLOYERS:
        fair = ctx[spec["fair"]]
        index = placed[spec["fair"]]
        placed[spec["fair"]] += 1
        employer, _ = Employer.objects.get_or_create(
            credit_code=spec["credit_code"],
            defaults={
                "name": spec["name"],
                "industry": spec["industry"],
                "city": spec["city"],
                "district": spec["district"],
                "contact_name": spec["contact_name"],
                "contact_phone": spec["contact_phone"],
                "contact_email": f"hr@{spec['domain']}",
                "verified": True,
                "verified_at": timezone.now(),
                "verified_by": organizer,
            },
        )
        owner = _owner(spec, employer, ctx.get("union"))
        postings = []
        for p in spec["postings"]:
            p = dict(p)
            insured = p.pop("insurance")
            posting, _ = JobPosting.objects.get_or_create(
                employer=employer,
                title=p.pop("title"),
                defaults={
                    "city": spec["city"],
                    "status": JobPosting.Status.OPEN,
                    "created_by": owner,
                    "ins_pension": insured,
                    "ins_medical": insured,
                    "ins_unemployment": insured,
                    "ins_work_injury": True,
                    "ins_maternity": insured,
                    "closes_at": fair.ends_at + timedelta(days=30),
                    **p,
                },
            )
            postings.append(posting)
        request = LineupRequest.objects.filter(employer=employer, session=fair).first()
        if request is None:
            request = services.lineup_request_create(
                employer=employer, by=owner, session=fair, postings=postings, note="希望排在开场之后。"
            )
        if request.status == LineupRequest.Status.REQUESTED:
            # The livestreams demo lays out the fair's whole lineup; employers take the company slots
            # after the opening segment. If the lineup has no free slot, append one after the last.
            slots = list(fair.segments.order_by("starts_at"))
            slot = slots[1 + index] if len(slots) > 1 + index else None
            if slot is not None and not LineupRequest.objects.filter(segment=slot).exists():
                services.lineup_approve(request=request, by=organizer, segment=slot)
            elif slots and slots[-1].ends_at + timedelta(minutes=20) <= fair.ends_at:
                start = slots[-1].ends_at
                services.lineup_approve(
                    request=request, by=organizer, starts_at=start, ends_at=start + timedelta(minutes=20)
                )
        if first_posting_link is None:
            first_posting_link = services.shortlink_get_or_create(posting=postings[0], session=fair)
        # A few people applied ahead of the fair from the shared link (direct); the fair's own applicants
        # come in minute by minute while it is live (simulate_live).
        for name, phone in APPLICANTS[index:]:
            if not Application.objects.filter(posting=postings[0], phone=phone).exists():
                services.application_submit(posting=postings[0], session=fair, name=name, phone=phone)
    ctx.setdefault("logins", []).extend(
        DemoLogin("employer", username=spec["login"], starts="/jobs/employer/", note=spec["name"])
        for spec in EMPLOYERS
    )
    if first_posting_link is not None:
        ctx.setdefault("urls", []).append(
            ("apply page (the QR code on stream)", services.shortlink_url(first_posting_link))
        )
