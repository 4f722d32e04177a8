"""Results exports for people: Chinese headers and sheets, local times, labels, no UUIDs, named files."""

import csv
import io
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from livestreams.live import results
from livestreams.models import LiveSession
from tests import factories

pytestmark = pytest.mark.django_db
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def finished(union, trainee):
    went_live = (timezone.now() - timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    session = factories.make_session(
        union=union,
        status=LiveSession.Status.ENDED,
        title="春风行动/直播带岗专场",
        starts_at=went_live,
        ends_at=went_live + timedelta(minutes=30),
        went_live_at=went_live,
        ended_at=went_live + timedelta(minutes=30),
        timezone="Asia/Shanghai",
    )
    factories.make_segment(session=session, title="企业宣讲", length=timedelta(minutes=10))
    factories.make_segment(session=session, title="学员带货", offset=timedelta(minutes=10), seller=trainee)
    results.result_compute(session_id=session.pk)
    return session


@pytest.fixture
def org(client, organizer):
    client.force_login(organizer)
    return client


def test_xlsx_has_chinese_sheets_headers_local_times_and_no_uuids(org, finished):
    response = org.get(f"/s/{finished.pk}/results.xlsx")
    disposition = unquote(response["Content-Disposition"])
    day = (finished.went_live_at + timedelta(hours=8)).strftime("%Y-%m-%d")
    assert f"春风行动_直播带岗专场-成绩-{day}.xlsx" in disposition
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:3] == ["场次信息", "成绩总览", "环节"] and "每分钟" in wb.sheetnames
    info = {r[0].value: r[1].value for r in wb["场次信息"].iter_rows(min_row=2)}
    assert info["实际开播"] == (finished.went_live_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert info["类型"] == "直播带岗" and info["状态"] == "已结束"
    header = [c.value for c in wb["环节"][1]]
    assert header[:5] == ["序号", "环节", "上播学员", "开始", "结束"]
    first_segment = [c.value for c in wb["环节"][2]]
    assert first_segment[3] == "10:00"  # 02:00 UTC in Shanghai
    card = [c.value for c in wb["成绩总览"][1]]
    assert card == ["指标", "数值", "说明"]
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(UUID.search(str(v)) for v in row if v is not None), (ws.title, row)
    with_ids = load_workbook(io.BytesIO(org.get(f"/s/{finished.pk}/results.xlsx?ids=1").content))
    assert "ID" in [c.value for c in with_ids["环节"][1]]


def test_csv_is_utf8_with_bom_and_readable(org, finished):
    response = org.get(f"/s/{finished.pk}/results.csv")
    assert response.content.startswith("\ufeff".encode())
    assert ".csv" in unquote(response["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["# 成绩总览"] in rows and ["指标", "数值", "说明"] in rows
    watch = next(r for r in rows if r and r[0] == "人均观看时长")
    assert watch[2].endswith("分:秒")
    assert not UUID.search(response.content.decode("utf-8-sig"))


def test_exports_are_the_organizers_only(client, finished, other_organizer, trainee):
    client.force_login(other_organizer)
    assert client.get(f"/s/{finished.pk}/results.xlsx").status_code == 404
    client.force_login(trainee)
    assert client.get(f"/s/{finished.pk}/results.csv").status_code == 404


def test_english_scorecard_column_is_the_metric_definition(org, finished):
    """说明 reads "Note" on forms but is the metric's definition in the scorecard (catalog check)."""
    rows = list(
        csv.reader(
            io.StringIO(
                org.get(f"/s/{finished.pk}/results.csv", HTTP_ACCEPT_LANGUAGE="en").content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert ["Figure", "Value", "Definition"] in rows
