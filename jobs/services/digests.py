"""Employer email digests of new applications."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.models import User
from jobs.models import (
    Application,
    Employer,
)
from jobs.services.notices import Words, employer_team_tell
from jobs.validators import mask_phone


def digest_period_start(now: datetime) -> datetime:
    minutes = max(int(getattr(settings, "JOBS_DIGEST_MINUTES", 60)), 1)
    epoch = int(now.timestamp()) // 60
    return datetime.fromtimestamp((epoch - epoch % minutes) * 60, tz=UTC)


def digests_send_due(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Announce applications from finished periods: one email per employer per period (unique key).

    Applications created in the current period wait for the next boundary, so two ticks in one
    period cannot split an employer's applicants into two emails with the same key.
    """
    now = now or timezone.now()
    period = digest_period_start(now)
    sent = 0
    with transaction.atomic():
        rows = list(
            Application.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(digested_at__isnull=True, created_at__lt=period)
            .select_related("posting__employer")
            .order_by("created_at")[:limit]
        )
        if not rows:
            return 0
        Application.objects.filter(pk__in=[r.pk for r in rows]).update(digested_at=now)
        by_employer: dict = {}
        for row in rows:
            by_employer.setdefault(row.posting.employer, []).append(row)
        for employer, apps in by_employer.items():
            sent += int(_send_digest(employer, apps, period))
    return sent


def _send_digest(employer: Employer, apps: list[Application], period: datetime) -> bool:
    """The "applications received" notice: one per employer per period, to each member of its team on
    their own channels (email, SMS, both; in their own language), and to the company contact address by
    email when nobody on the team uses it. Applicants' numbers are masked; the full ones are in the inbox."""
    facts = {"name": employer.name, "n": len(apps)}

    def words_for(user: User | None) -> Words:
        # Labels in the reader's language (the channel's label is translated when read).
        rows = [
            f"- {a.name} {mask_phone(a.phone)} · {a.posting.title} · {a.get_channel_display()}"
            for a in apps[:50]
        ]
        more = ""
        if len(apps) > 50:
            more = "\n" + gettext("……另有 %(n)d 人") % {"n": len(apps) - 50}
        text = (
            gettext("「%(name)s」您好：") % facts
            + "\n\n"
            + gettext("新收到 %(n)d 份求职申请：") % facts
            + "\n\n"
            + "\n".join(rows)
            + more
            + "\n\n"
            + gettext("登录查看完整联系方式并跟进：%(url)s") % {"url": f"{settings.SITE_URL}/jobs/employer/"}
            + "\n"
        )
        return Words(
            subject=gettext("[驿站] %(name)s：新收到 %(n)d 份求职申请") % facts,
            text=text,
            sms_text=gettext("【驿站】「%(name)s」新收到 %(n)d 份求职申请，请登录驿站查看。") % facts,
        )

    key = f"jobs:digest:{employer.pk}:{period.isoformat()}"
    return employer_team_tell(
        employer=employer,
        key=key,
        kind="application_received",
        words_for=words_for,
        sms_params={"employer": employer.name[:20], "count": len(apps)},
    )
