"""Employers in a fair's lineup (jobs.LineupRequest) get invites for their segment.

jobs calls ``jobs.calendar.on_lineup_changed(request)`` from ``_lineup_changed``; these tests call it
explicitly after approval, which is a no-op once that line is wired (publishing is idempotent). Every
change reaches the employer in one email: the REQUEST or CANCEL carries the decision notice.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from core.models import OutboxMessage
from core.outbox import outbox_deliver_batch
from jobs import services as jobs
from jobs.calendar import on_lineup_changed
from jobs.models import Employer, EmployerMembership, JobPosting
from livestreams import services as ls
from tests import factories
from tests.invites.helpers import events, parse_both

pytestmark = pytest.mark.django_db


def _employer(name: str, credit_code: str, username: str) -> Employer:
    employer = Employer.objects.create(
        name=name, credit_code=credit_code, contact_email=f"{username}-hr@example.com", verified=True
    )
    owner = factories.make_user(username=username, role="employer", display_name=f"{name}HR")
    EmployerMembership.objects.create(user=owner, employer=employer, role="owner")
    return employer


def _sent(email: str) -> list[tuple[str, str, int]]:
    out = []
    for message in OutboxMessage.objects.filter(recipient=email, key__startswith="invite:").order_by("id"):
        cal, _ = parse_both(message.payload["alternatives"][0]["content"])
        (event,) = events(cal)
        out.append((str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])))
    return out


@pytest.fixture
def fair(union, organizer, host):
    session = factories.make_session(union=union, hosts=[host], created_by=organizer)
    ls.session_schedule(session=session, by=organizer)
    return session


def _approve(fair, employer, organizer, offset_minutes=30):
    posting = JobPosting.objects.create(
        employer=employer,
        title="电子厂普工",
        pay_type="monthly",
        pay_min=Decimal("5000"),
        pay_max=Decimal("7000"),
        headcount=5,
        city="杭州",
        status="open",
    )
    request = jobs.lineup_request_create(
        employer=employer, by=employer.memberships.get().user, session=fair, postings=[posting]
    )
    request = jobs.lineup_approve(
        request=request,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=offset_minutes),
        ends_at=fair.starts_at + timedelta(minutes=offset_minutes + 30),
    )
    on_lineup_changed(request)
    return request


def _deliver_all() -> None:
    ids = list(OutboxMessage.objects.filter(status="pending").order_by("id").values_list("pk", flat=True))
    outbox_deliver_batch(message_ids=ids)


def _mails(sink, address: str) -> list[tuple[str, str, str, str]]:
    """(subject, text, METHOD or "", UID or "") of every email the SMTP sink got for an address."""
    out = []
    for item in sink.to(address):
        message = item["message"]
        text = message.get_body(preferencelist=("plain",)).get_content()
        calendar = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
        method = uid = ""
        if calendar is not None:
            cal, _ = parse_both(calendar.get_payload(decode=True))
            (event,) = events(cal)
            method, uid = str(cal["METHOD"]), str(event["UID"])
        out.append((str(message["Subject"]), text, method, uid))
    return out


def test_approved_employer_gets_its_segment_moved_and_removed(smtp_server, fair, organizer, host):
    employer = _employer("恒芯电子", "914403001922038216", "hengxin")
    owner = employer.memberships.get().user
    request = _approve(fair, employer, organizer)

    (invite,) = _sent(owner.email)
    assert invite[0] == "REQUEST" and invite[2] == 0
    assert _sent("hengxin-hr@example.com") == [invite]  # the contact address too
    # One email per change: the invite carries the decision notice.
    (message,) = OutboxMessage.objects.filter(recipient=owner.email)
    assert "直播带岗时段申请已通过" in message.subject
    assert fair.title in message.payload["text"]
    cal, _ = parse_both(message.payload["alternatives"][0]["content"])
    (event,) = events(cal)
    assert event.decoded("DTSTART") == (fair.starts_at + timedelta(minutes=30)).replace(microsecond=0)
    assert "恒芯电子 招聘宣讲" in str(event["SUMMARY"])
    on_lineup_changed(request)
    assert len(_sent(owner.email)) == 1  # idempotent

    # The organizer moves the employer's segment: one update, same UID, higher SEQUENCE.
    segment = request.segment
    ls.segment_update(
        segment=segment,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=90),
        ends_at=fair.starts_at + timedelta(minutes=110),
    )
    assert _sent(owner.email)[-1] == ("REQUEST", invite[1], 1)

    # Dropped from the lineup: CANCEL with the same UID; the host never heard about any of it.
    jobs.lineup_remove(request=request, by=organizer, reason="企业临时退出")
    assert _sent(owner.email)[-1][:2] == ("CANCEL", invite[1])
    assert [m for m, _, _ in _sent(host.email)] == ["REQUEST"]

    # What arrived: one email per change (approval, move, removal), the removal's CANCEL saying why.
    _deliver_all()
    for address in (owner.email, "hengxin-hr@example.com"):
        mails = _mails(smtp_server, address)
        assert [(method, uid) for _, _, method, uid in mails] == [
            ("REQUEST", invite[1]),
            ("REQUEST", invite[1]),
            ("CANCEL", invite[1]),
        ], address
        subject, text, _, _ = mails[-1]
        assert "直播带岗时段已取消" in subject
        assert "企业临时退出" in text and fair.title in text
        assert "会从日历中删除这项日程" in text  # the calendar line of the CANCEL it carries


def test_a_deleted_segment_tells_its_employer_in_the_cancel_email(smtp_server, settings, fair, organizer):
    """The organizer deletes the segment itself (not the request): the employer's CANCEL says so."""
    from core import sms

    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    sms.outbox.clear()
    employer = _employer("恒芯电子", "914403001922038216", "hengxin")
    owner = employer.memberships.get().user
    owner.notify_channel, owner.phone = "both", "13800138000"
    owner.save()
    request = _approve(fair, employer, organizer)
    ls.segment_delete(segment=request.segment, by=organizer)
    request.refresh_from_db()
    assert request.status == "removed"

    _deliver_all()
    mails = _mails(smtp_server, owner.email)
    assert [method for _, _, method, _ in mails] == ["REQUEST", "CANCEL"]
    subject, text, _, _ = mails[-1]
    assert "直播带岗时段已取消" in subject and fair.title in text
    # SMS still by preference, one per change.
    texts = [(m.kind, m.text) for m in sms.outbox if m.phone.endswith("13800138000")]
    assert [kind for kind, _ in texts] == ["employer_approved", "employer_removed"]
    assert "直播带岗时段已取消" in texts[-1][1] and fair.title in texts[-1][1]


def test_suspension_keeps_one_uid_and_the_sequence_rises(smtp_server, union, fair, organizer, host):
    """Un-verifying suspends the slots (CANCEL, SEQUENCE raised by the retirement): one email naming every
    fair carries each fair's CANCEL. The segment comes back with the same UID on reinstatement."""
    employer = _employer("恒芯电子", "914403001922038216", "hengxin")
    owner = employer.memberships.get().user
    second_fair = factories.make_session(union=union, hosts=[host], created_by=organizer, title="秋季专场")
    ls.session_schedule(session=second_fair, by=organizer)
    request = _approve(fair, employer, organizer)
    _approve(second_fair, employer, organizer)
    _deliver_all()
    jobs.employer_verify(employer=employer, by=organizer, verified=False, reason="营业执照已过期")
    _deliver_all()

    for address in (owner.email, "hengxin-hr@example.com"):
        (notice,) = [m for m in smtp_server.to(address) if "认证已撤销" in str(m["message"]["Subject"])]
        message = notice["message"]
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "营业执照已过期" in text and fair.title in text and "秋季专场" in text
        cancels = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert len(cancels) == 2  # both fairs' entries, in this one email
        for part in cancels:
            cal, _ = parse_both(part.get_payload(decode=True))
            assert str(cal["METHOD"]) == "CANCEL"
        assert len(smtp_server.to(address)) == 3  # two approvals, one un-verification

    jobs.employer_verify(employer=employer, by=organizer, verified=True)
    request.refresh_from_db()
    jobs.lineup_reinstate(request=request, by=organizer)
    sent = [row for row in _sent_all(owner.email) if row[1] == _sent(owner.email)[0][1]]
    assert [m for m, _, _ in sent] == ["REQUEST", "CANCEL", "REQUEST"]
    assert sent[0][2] < sent[1][2] < sent[2][2]


def _sent_all(email: str) -> list[tuple[str, str, int]]:
    """(METHOD, UID, SEQUENCE) of every calendar the outbox holds for an address, invites and the
    calendars other notices carry."""
    out = []
    for message in OutboxMessage.objects.filter(recipient=email).order_by("id"):
        parts = message.payload.get("alternatives", []) or message.payload.get("attachments", [])
        for part in parts:
            if part["mimetype"].startswith("text/calendar"):
                cal, _ = parse_both(part["content"])
                (event,) = events(cal)
                out.append((str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])))
    return out


def test_other_employers_are_not_disturbed(fair, organizer):
    first = _employer("恒芯电子", "914403001922038216", "hengxin")
    second = _employer("速达物流", "9144030071526726XG", "suda")
    _approve(fair, first, organizer, offset_minutes=0)
    request = _approve(fair, second, organizer, offset_minutes=30)
    first_owner = first.memberships.get().user
    before = _sent(first_owner.email)
    jobs.lineup_withdraw(request=request, by=second.memberships.get().user)
    assert _sent(first_owner.email) == before
    assert _sent(second.memberships.get().user.email)[-1][0] == "CANCEL"


def test_approval_alone_sends_the_employer_its_segment_invite(fair, organizer):
    """No explicit on_lineup_changed call: the jobs service's single lineup hook sends it."""
    employer = _employer("杭州顺丰速运", "91330100MA2H0XXX0X", "sf_owner_wired")
    posting = JobPosting.objects.create(
        employer=employer,
        title="快递分拣员",
        pay_type="hourly",
        pay_min=Decimal("22"),
        pay_max=Decimal("28"),
        headcount=20,
        city="杭州",
        status="open",
    )
    request = jobs.lineup_request_create(
        employer=employer, by=employer.memberships.get().user, session=fair, postings=[posting]
    )
    jobs.lineup_approve(
        request=request,
        by=organizer,
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=20),
    )
    methods = [m for m, _, _ in _sent("sf_owner_wired@example.com")]
    assert methods == ["REQUEST"]
