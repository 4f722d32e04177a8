"""The coach's attendance file: labels, local check-in times, masked phones, a named file, CSV and XLSX."""

import csv
import io
from datetime import timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from coaching import services
from coaching.models import Booking

pytestmark = pytest.mark.django_db


def test_attendance_file_in_csv_and_xlsx(client, slot, coach, learner):
    booking = services.booking_create(slot=slot, trainee=learner)
    checked_in = slot.starts_at - timedelta(minutes=5)
    Booking.objects.filter(pk=booking.pk).update(attendance="present", checked_in_at=checked_in)
    client.force_login(coach.user)
    day = slot.starts_at.astimezone(ZoneInfo(slot.timezone)).date().isoformat()
    local = checked_in.astimezone(ZoneInfo(slot.timezone)).strftime("%Y-%m-%d %H:%M")

    csv_response = client.get(f"/coaching/sheet/{slot.pk}/export.csv")
    assert csv_response.content.startswith("\ufeff".encode())
    assert unquote(csv_response["Content-Disposition"]).endswith(f"-出勤-{day}.csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0] == ["学员", "手机", "出勤", "签到时间"]
    assert rows[1] == [learner.user.name, "138****5678", booking.__class__.Attendance("present").label, local]

    xlsx = client.get(f"/coaching/sheet/{slot.pk}/export.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content))["出勤"]
    assert ws.freeze_panes == "A2" and [c.value for c in ws[2]][3] == local


def test_attendance_file_is_the_class_staffs_only(client, slot, learner, other_coach):
    client.force_login(other_coach.user)
    assert client.get(f"/coaching/sheet/{slot.pk}/export.xlsx").status_code == 404
