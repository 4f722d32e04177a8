"""Applicant files people open: the user's language, labels, local times, named files, XLSX widths and a
frozen header, no internal ids (the organizer's file is masked and names the company)."""

import csv
import io
import re
from urllib.parse import unquote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jobs import services
from jobs.models import Application

pytestmark = pytest.mark.django_db
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def applied(posting):
    application, _ = services.application_submit(posting=posting, name="张伟", phone="13800138000")
    Application.objects.filter(pk=application.pk).update(created_at="2026-03-01T02:05:00+00:00")
    return application


def test_employer_xlsx_has_a_frozen_header_widths_and_a_named_file(client, employer_user, employer, applied):
    web = client
    web.force_login(employer_user)
    response = web.get("/jobs/employer/applicants/export.xlsx")
    name = unquote(response["Content-Disposition"].split("UTF-8''")[1])
    assert name == f"{employer.name}-求职者-{timezone.localdate().isoformat()}.xlsx"
    ws = load_workbook(io.BytesIO(response.content))["求职者"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= len("2026-03-01 10:05")
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0] == "2026-03-01 10:05" and rows[1][7] == "直接报名" and rows[1][8] == "已报名"
    assert not any(UUID.search(str(v)) for row in rows for v in row if v is not None)


def test_employer_export_in_english_has_english_headers_and_labels(client, employer_user, applied):
    web = client
    web.force_login(employer_user)
    web.cookies["django_language"] = "en"
    response = web.get("/jobs/employer/applicants/export.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Applied at", "Name", "Mobile number", "Job"]
    assert not re.search(r"[\u4e00-\u9fff]", ",".join(rows[0]))  # no Chinese header in the English file
    assert "-Applicants-" in unquote(response["Content-Disposition"])


def test_organizer_file_is_masked_names_the_session_and_the_company(
    organizer_client, posting, fair, approved, employer
):
    services.application_submit(posting=posting, name="李娜", phone="13912345678", session=fair)
    response = organizer_client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/export.xlsx")
    assert unquote(response["Content-Disposition"]).endswith(f"-{timezone.localdate().isoformat()}.xlsx")
    assert fair.title.replace("/", "_") in unquote(response["Content-Disposition"])
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    assert header[4] == "企业"
    row = [c.value for c in ws[2]]
    assert row[2] == "139****5678" and row[4] == employer.name
