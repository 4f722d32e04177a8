"""Invites at scale, on a throwaway database (bench_invites) on the same PostgreSQL server.

1. A session with 10,000 attendees: build every iMIP email and enqueue it (outbox_enqueue_many) plus the
   delivery records — one ``invite_publish`` call. Target ≤ 10 s.
2. Deliver those 10,000 outbox rows to a real SMTP sink (aiosmtpd in a subprocess on loopback) with
   ``outbox_deliver_batch`` in a few forked worker processes (as Celery prefork children would). Target ≤ 60 s.
3. A personal feed with 10,000 events served through Django's test client (≤ 1 s) and its 304 (≤ 10 ms).

Run: ``make bench BENCH=invites`` (or ``.venv/bin/python -m benchmarks.run_all invites``).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta

BENCH_DB = "bench_invites"
ATTENDEES = 10_000
FEED_EVENTS = 10_000
WORKERS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _admin_sql(sql: str) -> None:
    import psycopg
    from django.db import connections

    params = connections["default"].get_connection_params()
    params["dbname"] = "postgres"
    params.pop("database", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(sql)


def _use_database(name: str) -> str:
    from django.db import connections

    for conn in connections.all():
        conn.close()
    previous = connections.settings["default"]["NAME"]
    connections.settings["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    return previous


def _start_smtp_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("SMTP sink did not start")


def _fanout(settings) -> list[int]:
    from django.db import transaction
    from django.utils import timezone

    from core.models import OutboxMessage, Union
    from invites import builders
    from invites.services import invite_publish
    from invites.sources import Attendee, InviteEvent, InviteSource

    union = Union.objects.create(name="基准测试工会")
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    people = [Attendee(email=f"viewer{i}@bench.example", name=f"观众{i:05d}") for i in range(ATTENDEES)]

    class BigFair(InviteSource):
        kind = "bench.fair"
        object_id = "1"
        union_id = union.pk

        def event(self):
            return InviteEvent(
                summary="万人直播带岗：80 家企业 3000 个岗位",
                description="工会主席走进直播间，介绍岗位、解答评论区问题。" * 5,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                timezone="Asia/Shanghai",
                location="抖音 直播间",
                url="https://live.douyin.com/000000",
                sequence=0,
            )

        def attendees(self):
            return people

    event = BigFair().event()
    started = time.perf_counter()
    for person in people[:2000]:
        builders.build_invite(
            event=event, uid="x@y", sequence=0, attendee=person, method="REQUEST", dtstamp=start
        )
    per_invite = (time.perf_counter() - started) / 2000
    print(f"build one iMIP calendar (pure builder): {per_invite * 1000:.2f} ms")

    started = time.perf_counter()
    with transaction.atomic():
        result = invite_publish(source=BigFair())
        # This bench delivers the rows itself: drop the after-commit Celery messages so nothing is left
        # in the shared broker for a development worker to pick up.
        transaction.get_connection().run_on_commit.clear()
    elapsed = time.perf_counter() - started
    ids = list(
        OutboxMessage.objects.filter(key__startswith="invite:").order_by("pk").values_list("pk", flat=True)
    )
    assert len(result.requested) == ATTENDEES == len(ids), (len(result.requested), len(ids))
    size = sum(len(str(p)) for p in OutboxMessage.objects.filter(pk=ids[0]).values_list("payload", flat=True))
    print(
        f"build + enqueue {ATTENDEES:,} invites (one invite_publish): {elapsed:.2f} s "
        f"(target ≤ 10 s; {ATTENDEES / elapsed:,.0f}/s; ~{size / 1024:.1f} KiB payload each)"
    )
    return ids


def _deliver_chunk(chunk: list[int]) -> dict:
    """In a forked worker process (like a Celery prefork child): one SMTP connection per 500 messages."""
    from django.db import connections

    from core.outbox import outbox_deliver_batch

    totals: dict[str, int] = {}
    try:
        for start in range(0, len(chunk), 500):
            for outcome, n in outbox_deliver_batch(message_ids=chunk[start : start + 500]).items():
                totals[outcome] = totals.get(outcome, 0) + n
    finally:
        connections.close_all()
    return totals


def _deliver(settings, ids: list[int]) -> None:
    import multiprocessing

    from django.db import connections
    from django.db.models import Count

    from core.models import OutboxMessage

    port = _free_port()
    sink = _start_smtp_sink(port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    connections.close_all()  # children must not share the parent's database socket
    try:
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            results = pool.map(_deliver_chunk, [ids[i::WORKERS] for i in range(WORKERS)])
        elapsed = time.perf_counter() - started
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    statuses = dict(OutboxMessage.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("id")))
    print(
        f"deliver {len(ids):,} emails to a loopback SMTP sink ({WORKERS} worker processes, one SMTP "
        f"connection per 500): {elapsed:.2f} s (target ≤ 60 s; {len(ids) / elapsed:,.0f}/s; "
        f"outbox statuses {statuses}; workers reported {results})"
    )


def _feed(settings) -> None:
    from django.test import Client
    from django.utils import timezone

    from core.models import User
    from invites import builders
    from invites.models import CalendarEvent, CalendarFeedState, InviteAttendee
    from invites.sources import InviteEvent

    user = User.objects.create_user(username="bench_feed", email="bench_feed@bench.example")
    token = user.rotate_calendar_token()
    now = timezone.now().replace(microsecond=0)
    zones = ["Asia/Shanghai", "America/New_York", "Europe/Berlin"]
    started = time.perf_counter()
    entries = []
    for i in range(FEED_EVENTS):
        tz = zones[i % len(zones)]
        start = now + timedelta(hours=i)
        event = InviteEvent(
            summary=f"直播带岗第 {i} 场",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone=tz,
            description="岗位介绍与答疑；欢迎转发。",
            url=f"https://live.example/{i}",
            organizer_email="noreply@bench.example",
        )
        uid = f"bench-{i}@bench.example"
        entries.append(
            CalendarEvent(
                source_key=f"bench.feed:{i}",
                source_kind="bench.feed",
                source_id=str(i),
                uid=uid,
                summary=event.summary,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                timezone=tz,
                vevent=builders.build_feed_vevent(event, uid=uid, sequence=0, dtstamp=now).decode(),
                vevent_cancelled=builders.build_feed_vevent(
                    event, uid=uid, sequence=0, dtstamp=now, cancelled=True
                ).decode(),
            )
        )
    CalendarEvent.objects.bulk_create(entries, batch_size=2000)
    InviteAttendee.objects.bulk_create(
        [InviteAttendee(event=e, key=f"u{user.pk}", user=user, email=user.email) for e in entries],
        batch_size=2000,
    )
    CalendarFeedState.objects.create(user=user, changed_at=now)
    print(f"(seeded {FEED_EVENTS:,} feed events in {time.perf_counter() - started:.1f} s)")

    client = Client()
    url = f"/calendar/{token}.ics"
    full, not_modified = [], []
    etag = None
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        full.append(time.perf_counter() - started)
        assert response.status_code == 200
        etag = response["ETag"]
    body = response.content
    assert body.count(b"BEGIN:VEVENT") == FEED_EVENTS
    for _ in range(30):
        started = time.perf_counter()
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        not_modified.append(time.perf_counter() - started)
        assert response.status_code == 304
    print(
        f"personal feed with {FEED_EVENTS:,} events ({len(body) / 1e6:.1f} MB): "
        f"median {statistics.median(full) * 1000:.0f} ms, best {min(full) * 1000:.0f} ms (target ≤ 1 s)"
    )
    print(
        f"feed 304 (If-None-Match): median {statistics.median(not_modified) * 1000:.1f} ms, "
        f"best {min(not_modified) * 1000:.1f} ms (target ≤ 10 ms)"
    )


def main() -> None:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    _admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    _admin_sql(f"CREATE DATABASE {BENCH_DB}")
    previous_db = _use_database(BENCH_DB)
    saved = {
        name: getattr(settings, name)
        for name in (
            "DEBUG",
            "ALLOWED_HOSTS",
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
        )
    }
    try:
        settings.DEBUG = False  # no query log
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"(machine: {os.cpu_count()} CPUs, load average {load} — other work on the box inflates figures)"
        )
        print(f"(migrated throwaway database {BENCH_DB} in {time.perf_counter() - started:.1f} s)")
        ids = _fanout(settings)
        _deliver(settings, ids)
        _feed(settings)
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
        _use_database(previous_db)
        _admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
