"""`make run` companion: a finished session with results, and a live one that keeps moving.

Both are fed by ``simulate_live`` through the real HTTP ingest of the running web server.
"""

import time
from datetime import timedelta

import httpx
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.models import Union, User
from livestreams.live import results
from livestreams.models import LiveSession, Product, Segment, Series, SessionResult

FINISHED_TITLE = "示范：已结束的工会直播带岗专场（模拟数据）"
LIVE_TITLE = "示范：学员直播带货进行中（模拟数据）"


class Command(BaseCommand):
    help = "Demo: simulate one finished session (with results) and keep one live session moving."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--once", action="store_true", help="stop after the live simulation")
        parser.add_argument("--no-progress", action="store_true", help="one line per simulation, no bar")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="scales viewers and minutes (and speeds the live run up by 1/scale); tests use 0.05",
        )

    def handle(self, *args, base_url, once, scale, no_progress, **options):
        progress = ["--no-progress"] if no_progress else []
        self._wait_for(base_url)
        union = (
            Union.objects.filter(name="杭州市总工会").first() or Union.objects.order_by("created_at").first()
        )
        if union is None:
            self.stderr.write("no union: run seed_demo first")
            return
        organizer = User.objects.filter(union=union, role="organizer").first()
        series = Series.objects.filter(union=union).order_by("created_at").first()
        seller = User.objects.filter(role="trainee").order_by("pk").first()
        for sku, name, price in (
            ("DEMO-TEA", "高山云雾茶 250g", "39.90"),
            ("DEMO-EGG", "土鸡蛋 30 枚", "45.00"),
        ):
            Product.objects.get_or_create(
                union=union, sku=sku, defaults={"name": name, "price": price, "seller": seller}
            )

        finished = self._session(
            union, organizer, series, FINISHED_TITLE, LiveSession.Kind.JOB_FAIR, seller=None
        )
        if finished.status != LiveSession.Status.ENDED:
            call_command(
                "simulate_live",
                str(finished.pk),
                "--base-url",
                base_url,
                "--viewers",
                str(max(1, round(900 * scale))),
                "--minutes",
                str(max(2, round(50 * scale))),
                "--backfill",
                "--end",
                "--seed",
                "11",
                "--feature-jobs",
                *progress,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        if not SessionResult.objects.filter(session=finished).exists():
            results.result_compute(session_id=finished.pk)
        self.stdout.write(f"finished demo session, results: {base_url}/s/{finished.pk}/results/")

        live = self._session(union, organizer, series, LIVE_TITLE, LiveSession.Kind.SALES, seller=seller)
        seed = int(time.time()) % 100000
        self.stdout.write(f"live demo session, data screen: {base_url}/s/{live.pk}/live/")
        call_command(
            "simulate_live",
            str(live.pk),
            "--base-url",
            base_url,
            "--viewers",
            str(max(1, round(400 * scale))),
            "--minutes",
            str(max(2, round(60 * scale))),
            "--speed",
            str(6 / scale if scale < 1 else 6),
            "--seed",
            str(seed),
            *progress,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        while not once:  # honcho stops every process when one exits; stay up quietly
            time.sleep(3600)

    def _session(self, union, organizer, series, title, kind, *, seller):
        session = LiveSession.objects.filter(union=union, title=title).exclude(status="cancelled").first()
        if session is not None and not (
            kind == LiveSession.Kind.SALES and session.status == LiveSession.Status.ENDED
        ):
            return session
        now = timezone.now().replace(microsecond=0)
        session = LiveSession.objects.create(
            union=union,
            series=series,
            kind=kind,
            title=title,
            starts_at=now,
            ends_at=now + timedelta(hours=2),
            # The fair stays a draft until simulate_live backfills it, so the tick cannot take it live
            # before its jobs lineup is placed (lineup requests need a draft or scheduled session).
            status=LiveSession.Status.DRAFT
            if kind == LiveSession.Kind.JOB_FAIR
            else LiveSession.Status.SCHEDULED,
            created_by=organizer,
        )
        names = (
            ["开场：工会主席介绍", "企业宣讲（一）：岗位与待遇", "企业宣讲（二）：评论区答疑"]
            if kind == "job_fair"
            else ["学员带货：高山茶", "学员带货：土鸡蛋"]
        )
        start = now - timedelta(hours=1)
        for i, name in enumerate(names):
            Segment.objects.create(
                session=session,
                title=name,
                position=i + 1,
                seller=seller if kind == "sales" else None,
                starts_at=max(start + timedelta(minutes=25 * i), now - timedelta(hours=1)),
                ends_at=start + timedelta(minutes=25 * (i + 1)),
            )
        LiveSession.objects.filter(pk=session.pk).update(starts_at=now - timedelta(hours=1))
        session.refresh_from_db()
        return session

    def _wait_for(self, base_url):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base_url}/healthz", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(1)
