import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from core.models import OutboxMessage
from jobs import services
from jobs.models import Application
from livestreams.services import session_go_live

pytestmark = pytest.mark.django_db

PHONES = ["13800138000", "13912345678", "15088886666"]


@pytest.fixture
def applications(link, posting, fair, organizer):
    with time_machine.travel(fair.starts_at + timedelta(seconds=1), tick=False):
        session_go_live(session=fair, by=organizer)
    rows = []
    for i, phone in enumerate(PHONES):
        with time_machine.travel(fair.starts_at + timedelta(minutes=35 + i), tick=False):
            rows.append(
                services.application_submit(posting=posting, session=fair, name=f"求职者{i}", phone=phone)[0]
            )
    return rows


def test_status_pipeline_with_events(employer_client, employer_user, applications):
    app = applications[0]
    url = f"/api/v1/jobs/applications/{app.pk}/status/"
    for status in ("contacted", "interview", "offer", "hired"):
        response = employer_client.post(url, {"status": status, "note": f"→{status}"}, format="json")
        assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "hired"
    assert [(e["from_status"], e["to_status"]) for e in body["events"]] == [
        ("applied", "contacted"),
        ("contacted", "interview"),
        ("interview", "offer"),
        ("offer", "hired"),
    ]
    assert body["events"][0]["by"] == employer_user.name
    assert body["status_changed_at"] is not None


@pytest.mark.parametrize("jump", ["hired", "offer", "applied", "bogus"])
def test_status_jump_refused(employer_client, applications, jump):
    app = applications[0]
    response = employer_client.post(
        f"/api/v1/jobs/applications/{app.pk}/status/", {"status": jump}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
    app.refresh_from_db()
    assert app.status == "applied"


def test_skip_contacted_allowed_and_final_states_final(employer_client, applications):
    app = applications[1]
    url = f"/api/v1/jobs/applications/{app.pk}/status/"
    assert employer_client.post(url, {"status": "interview"}, format="json").status_code == 200
    assert employer_client.post(url, {"status": "rejected"}, format="json").status_code == 200
    assert employer_client.post(url, {"status": "contacted"}, format="json").status_code == 400


def test_notes(employer_client, applications):
    app = applications[0]
    response = employer_client.post(
        f"/api/v1/jobs/applications/{app.pk}/notes/", {"note": "周三面试"}, format="json"
    )
    assert response.json()["events"][-1]["note"] == "周三面试"


def test_employer_list_full_phones_filters_and_query_count(
    employer_client, applications, fair, posting, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        body = employer_client.get("/api/v1/jobs/applications/", {"session": str(fair.pk)}).json()
    assert body["count"] == 3
    assert sorted(r["phone"] for r in body["results"]) == sorted(PHONES)
    assert {r["segment_title"] for r in body["results"]} == {"恒芯电子 招聘宣讲"}
    assert {r["minute_offset"] for r in body["results"]} == {34, 35, 36}
    assert employer_client.get("/api/v1/jobs/applications/", {"status": "hired"}).json()["count"] == 0
    bad = employer_client.get("/api/v1/jobs/applications/", {"posting": "nope"})
    assert bad.status_code == 400
    assert "posting" in bad.json()["error"]["fields"]


def test_employer_exports_full_phones(employer_client, applications):
    response = employer_client.get("/api/v1/jobs/applications/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][2] == "手机号"
    assert sorted(r[2] for r in rows[1:]) == sorted(PHONES)
    response = employer_client.get("/api/v1/jobs/applications/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sorted(row[2] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(PHONES)


def test_export_formula_injection_neutralised(employer_client, posting):
    services.application_submit(posting=posting, name="=HYPERLINK(1)", phone="13800138000")
    rows = list(
        csv.reader(
            io.StringIO(
                employer_client.get("/api/v1/jobs/applications/export.csv").content.decode("utf-8-sig")
            )
        )
    )
    assert rows[1][1] == "'=HYPERLINK(1)"


# --- Organizer view: everything masked ------------------------------------------------------------

MASKED = sorted(p[:3] + "****" + p[-4:] for p in PHONES)


def _no_full_phone(text: str):
    for phone in PHONES:
        assert phone not in text


def test_organizer_session_report(organizer_client, applications, fair, posting, approved):
    body = organizer_client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/").json()
    assert body["total"] == 3
    assert body["per_channel"] == {"live": 3, "replay": 0, "direct": 0}
    assert body["per_posting"][0]["title"] == "电子厂普工"
    assert body["per_posting"][0]["applications"] == 3
    assert body["per_segment"] == [
        {"segment": str(approved.segment_id), "title": "恒芯电子 招聘宣讲", "applications": 3}
    ]
    assert body["funnel"]["applied"] == 3


def test_organizer_employer_report(organizer_client, applications, employer):
    body = organizer_client.get(f"/api/v1/jobs/reports/employers/{employer.pk}/").json()
    assert body["total"] == 3
    assert body["per_posting"][0]["applications"] == 3


def test_organizer_responses_and_exports_are_masked(organizer_client, applications, fair, employer):
    listing = organizer_client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/applications/")
    assert sorted(r["phone"] for r in listing.json()["results"]) == MASKED
    responses = [
        listing,
        organizer_client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/"),
        organizer_client.get(f"/api/v1/jobs/reports/employers/{employer.pk}/"),
        organizer_client.get("/api/v1/jobs/lineup-requests/"),
        organizer_client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/export.csv"),
    ]
    for response in responses:
        assert response.status_code == 200
        _no_full_phone(response.content.decode("utf-8-sig"))
    rows = list(csv.reader(io.StringIO(responses[-1].content.decode("utf-8-sig"))))
    assert sorted(r[2] for r in rows[1:]) == MASKED
    xlsx = organizer_client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[2] for r in values) == MASKED
    _no_full_phone(repr(values))


def test_organizer_list_query_count(organizer_client, applications, fair, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        organizer_client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/applications/")


def test_other_union_organizer_404(other_organizer_client, fair, applications):
    for url in (
        f"/api/v1/jobs/reports/sessions/{fair.pk}/",
        f"/api/v1/jobs/reports/sessions/{fair.pk}/applications/",
        f"/api/v1/jobs/reports/sessions/{fair.pk}/export.csv",
    ):
        assert other_organizer_client.get(url).status_code == 404


def test_organizer_cannot_read_employer_applicants(organizer_client, applications):
    assert organizer_client.get("/api/v1/jobs/applications/").status_code == 403


# --- Digest ---------------------------------------------------------------------------------------


def test_digest_one_email_per_employer_per_period(settings, employer, other_employer, posting, other_posting):
    settings.JOBS_DIGEST_MINUTES = 60
    base = services.digest_period_start(timezone.now()) + timedelta(hours=1)
    with time_machine.travel(base + timedelta(minutes=5), tick=False):
        for phone in PHONES:
            services.application_submit(posting=posting, name="甲", phone=phone)
        services.application_submit(posting=other_posting, name="乙", phone=PHONES[0])
        assert services.digests_send_due() == 0  # the period is not over yet
    with time_machine.travel(base + timedelta(minutes=65), tick=False):
        services.application_submit(posting=posting, name="丙", phone="18657100001")  # next period
        assert services.digests_send_due() == 2
        assert services.digests_send_due() == 0
    # Per employer and period: the team's owner (by preference) and the company contact address.
    messages = OutboxMessage.objects.filter(key__startswith="jobs:digest:")
    assert messages.count() == 4
    assert messages.filter(recipient=employer.memberships.get().user.email).count() == 1
    mine = messages.get(recipient="emp_owner-hr@example.com")
    assert "3" in mine.subject
    assert "138****8000" in mine.payload["text"]
    assert "13800138000" not in mine.payload["text"]
    assert Application.objects.filter(digested_at__isnull=True).count() == 1
    with time_machine.travel(base + timedelta(minutes=125), tick=False):
        assert services.digests_send_due() == 1
    assert OutboxMessage.objects.filter(key__startswith=f"jobs:digest:{employer.pk}:").count() == 4
