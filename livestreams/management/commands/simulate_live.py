"""Drive a realistic live session through the real HTTP ingest: join wave, heartbeats, drop-off,
comment bursts, clicks, orders (and applications when the jobs app provides them).

  manage.py simulate_live <session> --viewers 800 --minutes 45 --backfill --end
  manage.py simulate_live <session> --viewers 300 --minutes 20 --speed 10    # moving live demo

``--backfill`` puts the whole session in the past (the session goes live ``--minutes`` ago) and sends
everything as fast as the server takes it; without it, minutes are sent as they happen (``--speed``
compresses time) with real timestamps.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from livestreams import services
from livestreams.live import credentials, results
from livestreams.models import LiveSession, Product

HEARTBEAT_SECONDS = 60
QUESTIONS = ["工资多少？", "有五险一金吗？", "包吃住吗？", "需要什么学历？", "在哪个区上班？", "怎么报名？"]
CHATTER = ["主播好！", "支持工会", "666", "这个岗位不错", "已投递", "多少钱？", "有优惠吗？", "已下单"]


def plan_events(
    *, viewers: int, minutes: int, seed: int, postings: list, products: list
) -> tuple[list, list]:
    """Return (events, orders) as (offset_seconds, payload) sorted by time; deterministic for a seed."""
    rnd = random.Random(seed)
    horizon = minutes * 60
    events: list[tuple[float, dict]] = []
    orders: list[tuple[float, dict]] = []
    n = 0

    def add(offset, kind, viewer, **extra):
        nonlocal n
        n += 1
        key = "member_id" if viewer.startswith("m") else "device_id"
        events.append((offset, {"id": f"sim-{seed}-{n}", "type": kind, key: viewer[1:], **extra}))

    for i in range(viewers):
        viewer = ("m" if rnd.random() < 0.7 else "d") + f"{seed}-{i}"
        # Join wave: most arrive early, a long tail later; stay is exponential (drop-off).
        start = min(rnd.expovariate(1 / (horizon * 0.15)), horizon - 30)
        stay = rnd.expovariate(1 / (horizon * 0.35)) + 20
        end = min(start + stay, horizon - 1)
        visits = 2 if rnd.random() < 0.15 and end + 120 < horizon else 1
        for visit in range(visits):
            if visit == 1:
                start, end = end + rnd.uniform(60, 300), min(end + rnd.uniform(300, 900), horizon - 1)
                if start >= end:
                    break
            add(start, "join", viewer)
            t = start + HEARTBEAT_SECONDS
            while t < end:
                add(t, "heartbeat", viewer)
                t += HEARTBEAT_SECONDS
            if rnd.random() < 0.7:
                add(end, "leave", viewer)
            # Engagement while present.
            for _ in range(int(rnd.expovariate(1 / 1.2))):
                at = rnd.uniform(start, end)
                if rnd.random() < 0.35:
                    add(at, "comment", viewer, text=rnd.choice(QUESTIONS), question=True)
                else:
                    add(at, "comment", viewer, text=rnd.choice(CHATTER), question=False)
            if rnd.random() < 0.3:
                add(rnd.uniform(start, end), "like", viewer)
            if rnd.random() < 0.03:
                add(rnd.uniform(start, end), "share", viewer)
            if rnd.random() < 0.05:
                add(rnd.uniform(start, end), "follow", viewer)
            if postings and rnd.random() < 0.25:
                add(rnd.uniform(start, end), "job_card_click", viewer, posting=str(rnd.choice(postings)))
            if products and rnd.random() < 0.3:
                product = rnd.choice(products)
                at = rnd.uniform(start, end)
                add(at, "product_click", viewer, product=str(product.pk))
                if rnd.random() < 0.35:
                    qty = 1 if rnd.random() < 0.8 else 2
                    amount = (product.price * qty).quantize(Decimal("0.01"))
                    order = {
                        "order_id": f"SIM{seed}-{len(orders) + 1}",
                        "product": str(product.pk),
                        "quantity": qty,
                        "amount": str(amount),
                        "buyer": viewer,
                        "status": "paid",
                    }
                    orders.append((min(at + rnd.uniform(5, 90), horizon - 1), order))
                    if rnd.random() < 0.05:
                        orders.append((min(at + 120, horizon - 1), {**order, "status": "refunded"}))
    events.sort(key=lambda item: item[0])
    orders.sort(key=lambda item: (item[0], item[1]["status"] != "paid"))
    return events, orders


def plan_applications(*, events: list, count: int, minutes: int, seed: int) -> list[float]:
    """When each of ``count`` applicants applies (offset seconds, sorted): shortly after a job-card click,
    so applications follow the fair's minutes instead of arriving all at once at the end."""
    rnd = random.Random(seed)
    horizon = minutes * 60
    clicks = [offset for offset, payload in events if payload["type"] == "job_card_click"]
    picked = (
        rnd.sample(clicks, count) if len(clicks) >= count else [rnd.uniform(0, horizon) for _ in range(count)]
    )
    return sorted(min(at + rnd.uniform(20, 120), horizon - 1) for at in picked)


def _postings(session) -> list:
    """The open jobs featured in this session's own lineup (approved requests), at most 12."""
    try:
        from django.apps import apps

        model = apps.get_model("jobs", "JobPosting")
    except LookupError:
        return []
    featured = model.objects.filter(
        lineup_requests__session=session, lineup_requests__status="approved", status="open"
    )
    return list(featured.order_by("pk").values_list("pk", flat=True).distinct()[:12])


def _feature_jobs(session) -> int:
    """Demo only: give a draft or scheduled fair a jobs lineup, one verified employer per free segment after the
    opening, through the jobs app's own lineup services (so applicants have jobs of this fair to apply
    to). Returns how many employers were placed; nothing without the jobs app."""
    if results.application_model() is None or session.status not in (
        LiveSession.Status.DRAFT,
        LiveSession.Status.SCHEDULED,
    ):
        return 0
    from django.apps import apps

    from jobs import services as job_services

    employer_model = apps.get_model("jobs", "Employer")
    request_model = apps.get_model("jobs", "LineupRequest")
    taken = set(request_model.objects.filter(session=session).values_list("segment_id", flat=True))
    free = [
        s for s in session.segments.order_by("starts_at")[1:] if s.seller_id is None and s.pk not in taken
    ]
    employers = (
        employer_model.objects.filter(verified=True, postings__status="open")
        .exclude(lineup_requests__session=session)
        .distinct()
        .order_by("created_at")
    )
    placed = 0
    for segment, employer in zip(free, employers, strict=False):
        owner = employer.memberships.order_by("created_at").first()
        if owner is None:
            continue
        request = job_services.lineup_request_create(
            employer=employer,
            by=owner.user,
            session=session,
            postings=list(employer.postings.filter(status="open").order_by("created_at")[:3]),
        )
        job_services.lineup_approve(request=request, by=session.created_by or owner.user, segment=segment)
        placed += 1
    return placed


class Command(BaseCommand):
    help = "Simulate a live session through the real HTTP ingest API (with a progress bar)."

    def add_arguments(self, parser):
        parser.add_argument("session")
        parser.add_argument("--base-url", default=None, help="default: SITE_URL")
        parser.add_argument("--viewers", type=int, default=500)
        parser.add_argument("--minutes", type=int, default=30)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second")
        parser.add_argument(
            "--backfill", action="store_true", help="put the session in the past, send at once"
        )
        parser.add_argument("--end", action="store_true", help="end the session afterwards (results follow)")
        parser.add_argument("--token", default=None, help="ingest token (default: issue a new credential)")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--feature-jobs",
            action="store_true",
            help="demo: first place verified employers' open jobs into the fair's free segments",
        )

    def handle(self, *args, **o):
        try:
            session = LiveSession.objects.get(pk=o["session"])
        except Exception:  # noqa: BLE001 - bad uuid or missing row: same answer
            raise CommandError(f"Unknown session {o['session']!r}.") from None
        if session.status in (LiveSession.Status.CANCELLED, LiveSession.Status.ENDED):
            raise CommandError(f"Session is {session.status}.")
        minutes = max(1, o["minutes"])
        if o["feature_jobs"]:
            _feature_jobs(session)
        if o["backfill"]:
            # Simulation only: place the broadcast in the past so every event is a past event.
            went_live = timezone.now() - timedelta(minutes=minutes, seconds=5)
            LiveSession.objects.filter(pk=session.pk).update(
                status=LiveSession.Status.LIVE,
                went_live_at=went_live,
                starts_at=min(session.starts_at, went_live),
                ends_at=max(session.ends_at, went_live + timedelta(minutes=minutes + 1)),
            )
        elif session.status != LiveSession.Status.LIVE:
            session = services.session_go_live(session=session)
        session.refresh_from_db()
        token = o["token"] or credentials.credential_issue(session=session, by=None, label="simulator").token
        products = list(Product.objects.filter(union_id=session.union_id).order_by("sku")[:20])
        events, orders = plan_events(
            viewers=o["viewers"],
            minutes=minutes,
            seed=o["seed"],
            postings=_postings(session),
            products=products,
        )
        applicants = plan_applications(
            events=events, count=self._applicant_count(session, o), minutes=minutes, seed=o["seed"]
        )
        if o["no_progress"]:  # one line instead of the progress bar
            self.stdout.write(
                f"simulating {session.title}: {len(events)} events, {len(orders)} orders"
                + (f", {len(applicants)} applicants" if applicants else "")
                + f" over {minutes} min"
            )
        base = (o["base_url"] or settings.SITE_URL).rstrip("/")
        headers = {"Authorization": f"Bearer {token}"}
        totals = {"accepted": 0, "duplicates": 0, "rejected": 0, "orders": 0, "degraded": 0, "applied": 0}
        started = time.monotonic()
        with (
            httpx.Client(base_url=base, headers=headers, timeout=30) as http,
            tqdm(
                total=len(events) + len(orders), unit="ev", disable=o["no_progress"], file=self.stderr._out
            ) as bar,
        ):
            t0 = session.went_live_at if o["backfill"] else timezone.now()
            pending_events, pending_orders, pending_applicants = list(events), list(orders), list(applicants)
            step = 60.0
            now_offset = 0.0
            while pending_events or pending_orders or pending_applicants:
                now_offset += step
                if not o["backfill"]:
                    wait = started + now_offset / o["speed"] - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                scale = 1.0 if o["backfill"] else 1.0 / o["speed"]
                due_events = (
                    [e for e in pending_events if e[0] < now_offset] if not o["backfill"] else pending_events
                )
                pending_events = [] if o["backfill"] else [e for e in pending_events if e[0] >= now_offset]
                for i in range(0, len(due_events), o["batch"]):
                    chunk = [
                        {**payload, "ts": (t0 + timedelta(seconds=offset * scale)).isoformat()}
                        for offset, payload in due_events[i : i + o["batch"]]
                    ]
                    response = http.post(f"/api/v1/sessions/{session.pk}/events/", json={"events": chunk})
                    if response.status_code != 200:
                        raise CommandError(f"ingest failed: {response.status_code} {response.text[:300]}")
                    body = response.json()
                    for key in ("accepted", "duplicates", "rejected"):
                        totals[key] += body[key]
                    totals["degraded"] += body["counters"] == "degraded"
                    bar.update(len(chunk))
                due_orders = (
                    pending_orders if o["backfill"] else [x for x in pending_orders if x[0] < now_offset]
                )
                pending_orders = [] if o["backfill"] else [x for x in pending_orders if x[0] >= now_offset]
                for offset, order in due_orders:
                    payload = {**order, "ts": (t0 + timedelta(seconds=offset * scale)).isoformat()}
                    response = http.post(f"/api/v1/sessions/{session.pk}/orders/", json=payload)
                    if response.status_code not in (200, 201):
                        raise CommandError(f"order failed: {response.status_code} {response.text[:300]}")
                    totals["orders"] += response.status_code == 201
                    bar.update(1)
                first = len(applicants) - len(pending_applicants)  # applicants are numbered in time order
                due = [a for a in pending_applicants if o["backfill"] or a < now_offset]
                pending_applicants = pending_applicants[len(due) :]
                for number, offset in enumerate(due, start=first):
                    at = t0 + timedelta(seconds=offset * scale)
                    totals["applied"] += self._apply(session, o, number=number, at=at)
                if now_offset > minutes * 60 + 120:
                    break
        if o["end"]:
            session.refresh_from_db()
            services.session_end(session=session)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"sent {len(events)} events ({totals['accepted']} accepted, {totals['duplicates']} duplicates, "
            f"{totals['rejected']} rejected), {totals['orders']} orders, {totals['applied']} applications "
            f"in {elapsed:.1f}s"
            + (f"; counters degraded on {totals['degraded']} batches" if totals["degraded"] else "")
        )

    def _applicant_count(self, session, o) -> int:
        """4 % of the viewers apply, when the jobs app is installed and the session features jobs."""
        if results.application_model() is None or not _postings(session):
            return 0
        return max(1, int(o["viewers"] * 0.04))

    def _apply(self, session, o, *, number: int, at) -> bool:
        """One applicant through the jobs app's own service (one per person per job), dated ``at``."""
        try:
            from jobs import services as job_services
        except ImportError:
            return False
        from django.apps import apps

        posting_model = apps.get_model("jobs", "JobPosting")
        rnd = random.Random(o["seed"] * 100003 + number)
        posting = posting_model.objects.get(pk=rnd.choice(_postings(session)))
        phone = f"139{o['seed'] % 100:02d}{number:06d}"[:11]
        try:
            job_services.application_submit(
                posting=posting, name=f"求职者{number}", phone=phone, session=session, now=at
            )
        except Exception as exc:  # noqa: BLE001 - the jobs app's validation decides; report and go on
            self.stderr.write(f"application skipped: {exc}")
            return False
        return True
