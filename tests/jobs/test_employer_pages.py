"""The employer's workspace pages: sign-up, team, postings, fair requests, applicants, results, notices."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from core.models import OutboxMessage
from jobs import services
from jobs.models import (
    Application,
    ApplicationEvent,
    Employer,
    EmployerInvitation,
    EmployerMembership,
    JobPosting,
    LineupRequest,
)
from livestreams.models import SessionResult
from tests import factories
from tests.jobs.conftest import ALIBABA, make_posting

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(employer_user):
    client = Client()
    client.force_login(employer_user)
    return client


@pytest.fixture
def other_web(other_employer_user):
    client = Client()
    client.force_login(other_employer_user)
    return client


def _apply(posting, name, phone, session=None):
    application, _ = services.application_submit(posting=posting, name=name, phone=phone, session=session)
    return application


SIGNUP = {
    "name": "杭州新工科技有限公司",
    "credit_code": ALIBABA,
    "contact_name": "王经理",
    "contact_phone": "139 0013 9000",
    "contact_email": "hr@xingong.example.com",
    "password": "a-long-Passw0rd",
}


# --- Sign-up and team ------------------------------------------------------------------------------


def test_signup_creates_the_company_and_shows_awaiting_verification():
    client = Client()

    response = client.post("/jobs/employer/signup/", SIGNUP)

    assert response.status_code == 302 and response["Location"] == "/jobs/employer/welcome/"
    employer = Employer.objects.get(credit_code=ALIBABA)
    owner = employer.memberships.get()
    assert (employer.name, employer.contact_phone, employer.verified) == (
        "杭州新工科技有限公司",
        "13900139000",
        False,
    )
    assert owner.role == "owner" and owner.user.username == "hr@xingong.example.com"
    page = client.get("/jobs/employer/welcome/").content.decode()
    assert "等待审核" in page and "创建岗位草稿" in page


def test_signup_with_a_wrong_check_digit_says_what_is_wrong_and_stores_nothing():
    client = Client()
    bad = {**SIGNUP, "credit_code": ALIBABA[:-1] + ("0" if ALIBABA[-1] != "0" else "1")}

    response = client.post("/jobs/employer/signup/", bad)

    assert response.status_code == 400
    assert "校验位不正确" in response.content.decode()
    assert not Employer.objects.exists() and not EmployerMembership.objects.exists()
    assert 'value="杭州新工科技有限公司"' in response.content.decode()  # what was typed is kept


def test_signup_with_a_bad_mobile_is_a_field_message():
    response = Client().post("/jobs/employer/signup/", {**SIGNUP, "contact_phone": "12345"})

    assert response.status_code == 400 and 'data-testid="error-contact_phone"' in response.content.decode()
    assert not Employer.objects.exists()


def test_owner_invites_resends_and_revokes_a_recruiter(web, employer):
    web.post("/jobs/employer/team/invite/", {"email": "rec@example.com"})
    invitation = EmployerInvitation.objects.get(employer=employer)
    first_token = invitation.token

    web.post(f"/jobs/employer/team/invitations/{invitation.pk}/resend/")
    invitation.refresh_from_db()
    page = web.get("/jobs/employer/team/").content.decode()

    assert invitation.token != first_token
    sent = OutboxMessage.objects.filter(recipient="rec@example.com").order_by("pk")
    assert sent.count() == 2 and invitation.token in sent.last().payload["text"]
    assert "rec@example.com" in page and 'data-testid="invitation"' in page
    assert Client().get(f"/jobs/invite/{first_token}/").status_code == 404  # the old link is dead

    web.post(f"/jobs/employer/team/invitations/{invitation.pk}/revoke/")

    assert Client().get(f"/jobs/invite/{invitation.token}/").status_code == 404
    assert 'data-testid="invitation"' not in web.get("/jobs/employer/team/").content.decode()


def test_only_the_owner_removes_a_member(web, employer):
    recruiter = factories.make_user(username="recruiter_1", role="employer")
    membership = EmployerMembership.objects.create(user=recruiter, employer=employer, role="recruiter")
    recruiter_web = Client()
    recruiter_web.force_login(recruiter)

    refused = recruiter_web.post(f"/jobs/employer/team/members/{membership.pk}/remove/", follow=True)
    assert EmployerMembership.objects.filter(pk=membership.pk).exists()
    assert "只有企业负责人" in refused.content.decode()

    web.post(f"/jobs/employer/team/members/{membership.pk}/remove/")
    assert not EmployerMembership.objects.filter(pk=membership.pk).exists()


def test_team_pages_of_another_employer_are_404(web, other_employer):
    other_invitation = services.employer_invite(
        employer=other_employer, by=other_employer.memberships.get().user, email="x@example.com"
    )
    other_member = other_employer.memberships.get()

    assert web.post(f"/jobs/employer/team/invitations/{other_invitation.pk}/revoke/").status_code == 404
    assert web.post(f"/jobs/employer/team/members/{other_member.pk}/remove/").status_code == 404


# --- Postings --------------------------------------------------------------------------------------

POSTING = {
    "title": "SMT 操作工",
    "description": "无尘车间，两班倒",
    "pay_type": "hourly",
    "pay_min": "22",
    "pay_max": "28",
    "headcount": "30",
    "city": "杭州",
    "district": "萧山区",
    "address": "经济开发区建设一路 1 号",
    "shift": "rotating",
    "housing": "couples",
    "meals": "subsidized",
    "ins_pension": "on",
    "ins_medical": "on",
    "ins_work_injury": "on",
    "housing_fund": "on",
    "education": "junior",
    "experience_years": "1",
    "age_min": "18",
    "age_max": "45",
    "tags": "包吃住,可预支",
    "closes_at": "2031-06-30T18:00",
}


def test_create_a_draft_with_every_structured_field(web, employer):
    response = web.post("/jobs/employer/postings/new/", POSTING)

    posting = JobPosting.objects.get(employer=employer)
    assert response.status_code == 302 and response["Location"] == f"/jobs/employer/postings/{posting.pk}/"
    assert posting.status == "draft"
    assert (posting.pay_type, str(posting.pay_min), posting.headcount) == ("hourly", "22.00", 30)
    assert (posting.shift, posting.housing, posting.meals, posting.district) == (
        "rotating",
        "couples",
        "subsidized",
        "萧山区",
    )
    assert posting.insurance_labels == ["养老", "医疗", "工伤", "公积金"]
    assert (posting.age_min, posting.age_max, posting.experience_years) == (18, 45, 1)
    assert posting.tags == ["包吃住", "可预支"]
    assert posting.closes_at.isoformat() == "2031-06-30T10:00:00+00:00"  # entered in Asia/Shanghai
    listing = web.get("/jobs/employer/postings/").content.decode()
    assert "SMT 操作工" in listing


def test_posting_form_errors_come_from_the_service_and_nothing_is_stored(web, employer):
    response = web.post("/jobs/employer/postings/new/", {**POSTING, "pay_min": "30", "age_min": "15"})

    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-pay_min"' in html and 'data-testid="error-age_min"' in html
    assert not JobPosting.objects.exists()


def test_edit_preview_open_close_and_duplicate(web, employer):
    web.post("/jobs/employer/postings/new/", POSTING)
    posting = JobPosting.objects.get()

    web.post(
        f"/jobs/employer/postings/{posting.pk}/edit/", {**POSTING, "title": "SMT 技工", "headcount": "5"}
    )
    posting.refresh_from_db()
    assert (posting.title, posting.headcount) == ("SMT 技工", 5)

    preview = web.get(f"/jobs/employer/postings/{posting.pk}/preview/")
    assert preview.status_code == 200 and "SMT 技工" in preview.content.decode()
    assert "提供夫妻房" in preview.content.decode()
    assert preview.get("X-Frame-Options") == "SAMEORIGIN"
    assert 'data-testid="logout"' not in preview.content.decode()  # as an anonymous viewer sees it

    detail = web.get(f"/jobs/employer/postings/{posting.pk}/").content.decode()
    assert 'data-testid="shortlink"' not in detail  # a draft has no link yet

    web.post(f"/jobs/employer/postings/{posting.pk}/status/", {"status": "open"})
    detail = web.get(f"/jobs/employer/postings/{posting.pk}/").content.decode()
    link = posting.short_links.get(session=None)
    assert (
        f"/j/{link.code}/" in detail
        and f"/j/{link.code}/qr.svg" in detail
        and f"/j/{link.code}/qr.png" in detail
    )
    assert Client().get(f"/j/{link.code}/qr.png")["Content-Type"] == "image/png"

    web.post(f"/jobs/employer/postings/{posting.pk}/status/", {"status": "closed"})
    posting.refresh_from_db()
    assert posting.status == "closed"

    response = web.post(f"/jobs/employer/postings/{posting.pk}/duplicate/")
    copy = JobPosting.objects.exclude(pk=posting.pk).get()
    assert response["Location"] == f"/jobs/employer/postings/{copy.pk}/edit/"
    assert (copy.status, copy.title, copy.housing, copy.tags) == (
        "draft",
        "SMT 技工（副本）",
        "couples",
        posting.tags,
    )


def test_postings_list_groups_by_status_with_applicant_counts(web, employer):
    open_posting = make_posting(employer, title="普工")
    make_posting(employer, title="草稿岗", status="draft")
    _apply(open_posting, "张伟", "13800138000")
    _apply(open_posting, "李娜", "13900139000")

    html = web.get("/jobs/employer/postings/").content.decode()

    draft_part = html.split('data-testid="group-draft"')[1].split('data-testid="group-open"')[0]
    open_part = html.split('data-testid="group-open"')[1].split('data-testid="group-closed"')[0]
    assert "草稿岗" in draft_part and "普工" in open_part
    assert 'data-testid="applicant-count">2<' in open_part


# --- Fairs -----------------------------------------------------------------------------------------


def test_request_a_slot_with_a_preferred_segment_then_withdraw(web, employer, posting, fair):
    segment = factories.make_segment(session=fair, title="上午第二段")
    fair.is_public = True
    fair.save(update_fields=["is_public"])

    listing = web.get("/jobs/employer/fairs/").content.decode()
    assert fair.title in listing and f"/jobs/employer/fairs/{fair.pk}/request/" in listing
    response = web.post(
        f"/jobs/employer/fairs/{fair.pk}/request/",
        {"postings": [str(posting.pk)], "preferred_segment": str(segment.pk), "note": "希望上午"},
    )

    assert response.status_code == 302
    request = LineupRequest.objects.get(employer=employer)
    assert (request.status, request.preferred_segment, request.note) == ("requested", segment, "希望上午")
    assert list(request.postings.all()) == [posting]
    page = web.get("/jobs/employer/fairs/").content.decode()
    assert 'data-status="requested"' in page and "上午第二段" in page

    web.post(f"/jobs/employer/requests/{request.pk}/withdraw/")
    request.refresh_from_db()
    assert request.status == "withdrawn"


def test_a_request_without_postings_is_a_field_error(web, fair):
    response = web.post(f"/jobs/employer/fairs/{fair.pk}/request/", {"postings": []})

    assert response.status_code == 400 and "请至少选择一个岗位" in response.content.decode()
    assert not LineupRequest.objects.exists()


def test_approved_and_declined_requests_show_slot_links_and_reason(
    web, employer, posting, fair, organizer, approved, link
):
    second_fair = factories.make_session(
        union=fair.union, status="scheduled", title="秋季专场", is_public=True
    )
    declined = services.lineup_request_create(
        employer=employer, by=employer.memberships.get().user, session=second_fair, postings=[posting]
    )
    services.lineup_decline(request=declined, by=organizer, reason="本场名额已满")

    html = web.get("/jobs/employer/fairs/").content.decode()

    approved_card = html.split(f'data-id="{approved.pk}"')[1].split("</article>")[0]
    start = approved.segment_starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert f"{start:%H:%M}–" in approved_card and f"/s/{fair.pk}/" in approved_card
    assert f"/j/{link.code}/qr.png" in approved_card
    declined_card = html.split(f'data-id="{declined.pk}"')[1].split("</article>")[0]
    assert "本场名额已满" in declined_card and 'data-status="declined"' in html


# --- Applicants ------------------------------------------------------------------------------------


def _bulk_applicants(posting, n: int, session=None):
    Application.objects.bulk_create(
        [
            Application(
                posting=posting, session=session, name=f"求职者{i:03d}", phone=f"138{i:08d}", channel="direct"
            )
            for i in range(n)
        ]
    )


def test_inbox_pages_past_500_applicants(web, posting):
    _bulk_applicants(posting, 530)

    first = web.get("/jobs/employer/").content.decode()
    last = web.get("/jobs/employer/", {"page": "11"}).content.decode()
    beyond = web.get("/jobs/employer/", {"page": "999"}).content.decode()

    assert first.count('data-testid="applicant"') == 50 and "共 530 人" in first
    assert "第 1 / 11 页" in first and "page=2" in first
    assert last.count('data-testid="applicant"') == 30 and "第 11 / 11 页" in last
    assert "第 11 / 11 页" in beyond  # a page past the end shows the last one


def test_inbox_search_by_name_or_phone_keeps_filters_in_the_url(web, employer, posting):
    _apply(posting, "张伟", "13800138000")
    _apply(posting, "李娜", "13900139000")
    _apply(make_posting(employer, title="仓管"), "张三", "13700137000")

    by_name = web.get("/jobs/employer/", {"q": "张", "posting": str(posting.pk)}).content.decode()
    by_phone = web.get("/jobs/employer/", {"q": "139 0013"}).content.decode()

    assert by_name.count('data-testid="applicant"') == 1 and "张伟" in by_name
    assert f"q=%E5%BC%A0&amp;posting={posting.pk}" in by_name  # export links carry the filter
    assert by_phone.count('data-testid="applicant"') == 1 and "李娜" in by_phone


def test_applicant_detail_shows_attribution_history_and_notes(web, employer_user, approved, posting, fair):
    application = _apply(posting, "张伟", "13800138000", session=fair)
    services.application_set_status(
        application=application, by=employer_user, status="contacted", note="已电话"
    )

    web.post(f"/jobs/employer/applicants/{application.pk}/", {"note": "周三下午来面试"})
    html = web.get(f"/jobs/employer/applicants/{application.pk}/").content.decode()

    assert fair.title in html and 'href="tel:13800138000"' in html and 'href="sms:13800138000"' in html
    assert "已报名 → <strong>已联系</strong>" in html and "已电话" in html
    assert "周三下午来面试" in html and employer_user.name in html
    assert ApplicationEvent.objects.filter(application=application, to_status="").count() == 1


def test_bulk_status_change_moves_each_row_and_reports_refusals(web, employer_user, posting):
    first = _apply(posting, "张伟", "13800138000")
    second = _apply(posting, "李娜", "13900139000")
    hired_already = _apply(posting, "王芳", "13700137000")
    Application.objects.filter(pk=hired_already.pk).update(status="hired")

    response = web.post(
        "/jobs/employer/applicants/bulk/",
        {"ids": [str(first.pk), str(second.pk), str(hired_already.pk)], "status": "interview", "back": "q=x"},
        follow=True,
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/jobs/employer/?q=x"
    assert set(Application.objects.filter(status="interview").values_list("name", flat=True)) == {
        "张伟",
        "李娜",
    }
    assert "已更新 2 人" in html and "王芳: 不能从「已入职」改为「面试」" in html
    assert ApplicationEvent.objects.filter(by=employer_user, to_status="interview").count() == 2


def test_bulk_ignores_another_employers_applications(web, other_posting):
    foreign = _apply(other_posting, "王芳", "13700137000")

    web.post("/jobs/employer/applicants/bulk/", {"ids": [str(foreign.pk)], "status": "contacted"})

    assert Application.objects.get(pk=foreign.pk).status == "applied"


def test_export_of_the_current_filter_has_chinese_headers_local_times_and_labels(
    web, employer, posting, fair
):
    a = _apply(posting, "张伟", "13800138000", session=fair)
    _apply(make_posting(employer, title="仓管"), "李娜", "13900139000")
    Application.objects.filter(pk=a.pk).update(created_at="2026-03-01T02:05:00+00:00")

    response = web.get("/jobs/employer/applicants/export.xlsx", {"posting": str(posting.pk)})

    disposition = response["Content-Disposition"]
    assert (
        "filename*=UTF-8''" in disposition and "%E6%81%92%E8%8A%AF%E7%94%B5%E5%AD%90" in disposition
    )  # 恒芯电子
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("报名时间", "姓名", "手机号", "应聘岗位")
    assert len(rows) == 2
    assert rows[1][0] == "2026-03-01 10:05" and rows[1][1:4] == ("张伟", "13800138000", "电子厂普工")
    assert rows[1][7] == "直接报名"  # labels, not codes
    assert rows[1][8] == "已报名"


# --- Results ---------------------------------------------------------------------------------------


def test_results_show_own_clicks_applications_rates_and_funnel(
    web, employer_user, employer, posting, other_posting, fair, approved
):
    mine = [_apply(posting, f"人{i}", f"1380013800{i}", session=fair) for i in range(3)]
    _apply(other_posting, "别家", "13700137000", session=fair)
    services.application_set_status(application=mine[0], by=employer_user, status="contacted")
    services.application_set_status(application=mine[0], by=employer_user, status="rejected")
    other_id = str(other_posting.pk)
    SessionResult.objects.create(
        session=fair,
        computed_at=fair.starts_at,
        views=2000,
        unique_viewers=600,
        breakdowns={
            "jobs": [
                {"id": str(posting.pk), "clicks": 40, "applications": 3},
                {"id": other_id, "clicks": 99, "applications": 1},
            ]
        },
    )

    html = web.get("/jobs/employer/results/").content.decode()

    fair_row = html.split(f'data-testid="fair-row" data-id="{fair.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="clicks">40<' in fair_row and 'data-testid="applications">3<' in fair_row
    assert "0.5%" in fair_row  # 3 applicants / 600 unique viewers
    assert ">1.5<" in fair_row  # 3 applications per 2,000 views → 1.5 per 1,000
    assert "3 → 1 → 0 → 0 → 0" in fair_row  # the rejected one still counts as contacted
    assert "别家" not in html and "快递分拣员" not in html and ">99<" not in html


# --- Scoping ---------------------------------------------------------------------------------------


def test_a_second_employer_sees_none_of_the_first_ones_objects(
    other_web, other_employer_user, employer, posting, approved, fair
):
    application = _apply(posting, "张伟", "13800138000", session=fair)

    for url in (
        f"/jobs/employer/postings/{posting.pk}/",
        f"/jobs/employer/postings/{posting.pk}/edit/",
        f"/jobs/employer/postings/{posting.pk}/preview/",
        f"/jobs/employer/applicants/{application.pk}/",
    ):
        assert other_web.get(url).status_code == 404, url
    for url in (
        f"/jobs/employer/postings/{posting.pk}/status/",
        f"/jobs/employer/postings/{posting.pk}/duplicate/",
        f"/jobs/employer/requests/{approved.pk}/withdraw/",
        f"/jobs/employer/applications/{application.pk}/status/",
    ):
        assert other_web.post(url, {"status": "closed"}).status_code == 404, url
    pages = "".join(
        other_web.get(u).content.decode()
        for u in (
            "/jobs/employer/",
            "/jobs/employer/postings/",
            "/jobs/employer/fairs/",
            "/jobs/employer/results/",
        )
    )
    assert "张伟" not in pages and "电子厂普工" not in pages
    export = other_web.get("/jobs/employer/applicants/export.csv", {"posting": str(posting.pk)})
    assert "张伟" not in export.content.decode("utf-8-sig") and "13800138000" not in export.content.decode(
        "utf-8-sig"
    )
    # The API agrees: another employer's objects are 404.
    api = Client()
    api.force_login(other_employer_user)
    for url in (
        f"/api/v1/jobs/postings/{posting.pk}/",
        f"/api/v1/jobs/lineup-requests/{approved.pk}/",
        f"/api/v1/jobs/applications/{application.pk}/",
    ):
        assert api.get(url).status_code == 404, url
    assert "张伟" not in api.get("/api/v1/jobs/applications/export.csv").content.decode("utf-8-sig")
    assert posting.status == "open" and LineupRequest.objects.get(pk=approved.pk).status == "approved"


def test_pages_are_for_employer_members_only(employer, posting):
    trainee = Client()
    trainee.force_login(factories.make_user(username="trainee_x", role="trainee"))

    for url in (
        "/jobs/employer/postings/",
        "/jobs/employer/fairs/",
        "/jobs/employer/results/",
        "/jobs/employer/team/",
    ):
        assert trainee.get(url).status_code == 403
        assert Client().get(url).status_code == 302


# --- Notices ---------------------------------------------------------------------------------------


def test_employer_is_emailed_when_verified_unverified_and_when_a_request_is_decided(
    employer, posting, fair, organizer
):
    Employer.objects.filter(pk=employer.pk).update(verified=False)
    employer.refresh_from_db()
    to = employer.contact_email

    services.employer_verify(employer=employer, by=organizer, verified=True)
    services.employer_verify(employer=employer, by=organizer, verified=True)  # no change: no second email
    request = services.lineup_request_create(
        employer=employer, by=employer.memberships.get().user, session=fair, postings=[posting]
    )
    services.lineup_approve(
        request=request,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=10),
        ends_at=fair.starts_at + timedelta(minutes=40),
    )
    services.employer_verify(employer=employer, by=organizer, verified=False, reason="营业执照已过期")

    subjects = list(
        OutboxMessage.objects.filter(recipient=to).order_by("pk").values_list("subject", flat=True)
    )
    assert subjects[0] == "[驿站] 企业已通过审核"
    assert (
        "[驿站] 直播带岗时段申请已通过" in subjects
        and subjects[-1] == f"[驿站] 企业认证已撤销：{employer.name}"
    )
    assert "[驿站] 直播带岗时段已暂停" not in subjects  # one email for the un-verification, naming the fairs
    assert subjects.count("[驿站] 企业已通过审核") == 1
    approved_text = OutboxMessage.objects.get(recipient=to, subject="[驿站] 直播带岗时段申请已通过").payload
    assert fair.title in approved_text["text"] and "您的时段" in approved_text["text"]


def test_a_declined_request_emails_the_reason(employer, posting, fair, organizer):
    request = services.lineup_request_create(
        employer=employer, by=employer.memberships.get().user, session=fair, postings=[posting]
    )

    services.lineup_decline(request=request, by=organizer, reason="岗位与本场主题不符")

    message = OutboxMessage.objects.get(recipient=employer.contact_email, subject__contains="未通过")
    assert "岗位与本场主题不符" in message.payload["text"]


def test_workspace_pages_speak_english_when_chosen(web, employer, posting):
    pages = {
        "/jobs/employer/postings/": ["New posting", "Job title"],
        f"/jobs/employer/postings/{posting.pk}/edit/": [
            "Social insurance and housing fund",
            "Pay from (CNY)",
        ],
        "/jobs/employer/": ["Export this list", "Update selected"],
        "/jobs/employer/fairs/": ["My requests", "Fairs taking requests"],
        "/jobs/employer/results/": ["Job-card clicks", "Applications per 1,000 views"],
        "/jobs/employer/team/": ["Pending invitations", "Send invitation"],
    }
    try:
        for url, texts in pages.items():
            html = web.get(url, headers={"accept-language": "en"}).content.decode()
            for text in texts:
                assert text in html, (url, text)
            assert "岗位名称" not in html and "导出当前筛选" not in html
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # LocaleMiddleware leaves English active in this thread


def test_list_pages_do_not_grow_queries_with_rows(web, employer, posting, fair):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert web.get(url).status_code == 200
        return len(ctx.captured_queries)

    _bulk_applicants(posting, 5, session=fair)
    make_posting(employer, title="另一个岗位")
    few = {
        url: count(url) for url in ("/jobs/employer/", "/jobs/employer/postings/", "/jobs/employer/results/")
    }
    _bulk_applicants(make_posting(employer, title="第三个岗位"), 45, session=fair)
    many = {url: count(url) for url in few}

    assert many == few


def test_organizer_reports_of_an_employer_are_not_open_to_another_employer(other_web, employer):
    response = other_web.get(f"/api/v1/jobs/reports/employers/{employer.pk}/")

    assert response.status_code in (403, 404)


def test_results_api_is_the_pages_figures_and_404_for_another_employer(
    employer_client, other_employer_client, employer, posting, fair, approved
):
    _apply(posting, "张伟", "13800138000", session=fair)

    own = employer_client.get(f"/api/v1/jobs/employers/{employer.pk}/results/")
    foreign = other_employer_client.get(f"/api/v1/jobs/employers/{employer.pk}/results/")

    assert own.status_code == 200
    body = own.json()
    assert body["fairs"][0]["session"] == str(fair.pk) and body["fairs"][0]["applications"] == 1
    assert body["postings"][0]["title"] == "电子厂普工"
    assert body["funnel"] == {"applied": 1, "contacted": 0, "interview": 0, "offer": 0, "hired": 0}
    assert foreign.status_code == 404 and "张伟" not in foreign.content.decode()


def test_row_step_with_htmx_returns_only_the_updated_row(web, posting):
    application = _apply(posting, "张伟", "13800138000")

    response = web.post(
        f"/jobs/employer/applications/{application.pk}/status/",
        {"status": "contacted", "back": ""},
        headers={"hx-request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'data-id="{application.pk}"' in html and 'data-testid="status">已联系<' in html
    assert "张伟：已更新为「已联系」" in html
    refused = web.post(
        f"/jobs/employer/applications/{application.pk}/status/",
        {"status": "hired"},
        headers={"hx-request": "true"},
    ).content.decode()
    assert 'class="notice error"' in refused and 'data-testid="status">已联系<' in refused


def test_a_recruiter_cannot_resend_or_revoke_invitations(employer, employer_user):
    invitation = services.employer_invite(employer=employer, by=employer_user, email="rec2@example.com")
    recruiter = factories.make_user(username="recruiter_2", role="employer")
    EmployerMembership.objects.create(user=recruiter, employer=employer, role="recruiter")
    web = Client()
    web.force_login(recruiter)
    token = invitation.token

    web.post(f"/jobs/employer/team/invitations/{invitation.pk}/resend/")
    page = web.post(f"/jobs/employer/team/invitations/{invitation.pk}/revoke/", follow=True).content.decode()

    invitation.refresh_from_db()
    assert invitation.token == token and invitation.expires_at > invitation.created_at + timedelta(days=6)
    assert "只有企业负责人" in page
