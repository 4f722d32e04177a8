"""The public apply's plain fast path (jobs.api.apply_view) answers exactly as the DRF view does.

A plainly valid JSON body is checked by ``apply_input_fast`` and stored without DRF; every other request
is answered by ApplyView with the serializer's messages. These tests go through HTTP for each branch and
hold ``apply_input_fast`` against the real ApplyInputSerializer: it never accepts what the serializer
refuses, and gives the service the values the serializer would.
"""

import json
import uuid

import pytest

from jobs import serializers
from jobs.api import apply_input_fast
from jobs.models import Application, JobPosting

pytestmark = pytest.mark.django_db

URL = "/api/v1/jobs/apply/"


def _post(client, body: bytes | str, content_type="application/json", **headers):
    return client.post(URL, data=body, content_type=content_type, **headers)


def _fields(response) -> dict:
    return response.json()["error"]["fields"]


def test_new_application_is_201_and_a_repeat_200_with_the_same_application(anon_client, link):
    body = json.dumps({"code": link.code, "name": " 张伟 ", "phone": "138 0013 8000", "note": "有叉车证"})

    first = _post(anon_client, body)
    again = _post(anon_client, json.dumps({"code": link.code, "name": "张伟", "phone": "+8613800138000"}))

    assert first.status_code == 201 and first["Content-Type"] == "application/json"
    assert first.json() == {
        "id": first.json()["id"],
        "created": True,
        "posting": str(link.posting_id),
        "posting_title": "电子厂普工",
        "employer_name": link.posting.employer.name,
        "name": "张伟",
        "phone": "138****8000",
        "channel": "direct",
        "status": "applied",
    }
    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": False}
    assert Application.objects.get().note == "有叉车证"


def test_bad_json_is_a_400_with_a_message(anon_client, link):
    response = _post(anon_client, b'{"code": "' + link.code.encode() + b'", "name": ')

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert response.json()["error"]["message"] == "无法读取请求内容。"
    assert Application.objects.count() == 0


def test_a_json_array_is_a_400(anon_client):
    response = _post(anon_client, b'["name", "phone"]')

    assert response.status_code == 400
    assert "non_field_errors" in _fields(response)


def test_wrong_content_type_is_a_415(anon_client, link):
    body = json.dumps({"code": link.code, "name": "张伟", "phone": "13800138000"})

    response = _post(anon_client, body, content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert Application.objects.count() == 0


def test_a_form_post_is_still_accepted_by_the_drf_view(anon_client, link):
    response = anon_client.post(URL, {"code": link.code, "name": "张伟", "phone": "13800138000"})

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "138****8000"


@pytest.mark.parametrize("missing", ["name", "phone"])
def test_missing_field_is_a_400_on_that_field(anon_client, link, missing):
    data = {"code": link.code, "name": "张伟", "phone": "13800138000"}
    del data[missing]

    response = _post(anon_client, json.dumps(data))

    assert response.status_code == 400
    assert list(_fields(response)) == [missing]
    assert _fields(response)[missing] == [
        serializers.ApplyInputSerializer().fields[missing].error_messages["required"]
    ]


def test_no_code_nor_posting_is_a_400_on_posting(anon_client):
    response = _post(anon_client, json.dumps({"name": "张伟", "phone": "13800138000"}))

    assert response.status_code == 400
    assert _fields(response) == {"posting": ["Give a short-link code or a posting id."]}


def test_nul_in_a_field_is_a_400_on_that_field(anon_client, link):
    response = _post(anon_client, json.dumps({"code": link.code, "name": "张\x00伟", "phone": "13800138000"}))

    assert response.status_code == 400
    assert list(_fields(response)) == ["name"]
    assert Application.objects.count() == 0


def test_unknown_field_is_a_400_on_that_field(anon_client, link):
    body = json.dumps({"code": link.code, "name": "张伟", "phone": "13800138000", "status": "hired"})

    response = _post(anon_client, body)

    assert response.status_code == 400
    assert list(_fields(response)) == ["status"]


def test_oversize_body_is_a_413(anon_client, link, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"code": link.code, "name": "张伟", "phone": "13800138000", "note": "长" * 400})

    response = _post(anon_client, body)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert Application.objects.count() == 0


def test_bad_mobile_number_is_a_400_on_phone(anon_client, link):
    response = _post(anon_client, json.dumps({"code": link.code, "name": "张伟", "phone": "010-12345678"}))

    assert response.status_code == 400
    assert list(_fields(response)) == ["phone"]


def test_unknown_link_is_a_404_and_closed_job_a_409(anon_client, link, posting):
    unknown = _post(anon_client, json.dumps({"code": "nope", "name": "张伟", "phone": "13800138000"}))
    JobPosting.objects.filter(pk=posting.pk).update(status="closed")
    closed = _post(anon_client, json.dumps({"code": link.code, "name": "张伟", "phone": "13800138000"}))

    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert closed.status_code == 409
    assert closed.json()["error"] == {
        "code": "posting_closed",
        "message": closed.json()["error"]["message"],
        "fields": {"posting": ["该岗位已停止招聘。"]},
    }
    assert Application.objects.count() == 0


def test_rate_limited_apply_is_a_429_with_retry_after(anon_client, settings, link):
    settings.JOBS_APPLY_LIMIT_IP = "1/60"
    assert (
        _post(
            anon_client, json.dumps({"code": link.code, "name": "张伟", "phone": "13800138000"})
        ).status_code
        == 201
    )

    refused = _post(anon_client, json.dumps({"code": link.code, "name": "李娜", "phone": "13912345678"}))

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Application.objects.count() == 1


def test_html_accept_is_answered_by_drf_as_before(anon_client, link):
    body = json.dumps({"code": link.code, "name": "张伟", "phone": "13800138000"})

    response = _post(anon_client, body, HTTP_ACCEPT="text/html")

    assert response.status_code == 201
    assert response["Content-Type"].startswith("text/html")  # DRF's browsable API, as before


# --- apply_input_fast against the serializer it stands in for --------------------------------------

POSTING = str(uuid.uuid4())
SESSION = str(uuid.uuid4())
BODIES = [
    {"code": "abc", "name": "张伟", "phone": "13800138000"},
    {"code": "  abc  ", "name": "  张伟\t", "phone": " 13800138000 ", "note": "  "},
    {"posting": POSTING, "name": "张伟", "phone": "13800138000", "note": "有证"},
    {"posting": POSTING, "session": SESSION, "name": "张伟", "phone": "13800138000"},
    {"posting": POSTING.replace("-", "").upper(), "session": None, "name": "张伟", "phone": "1"},
    {"posting": "{" + POSTING + "}", "name": "张伟", "phone": "1"},
    {"code": "x" * 16, "name": "张" * 50, "phone": "1" * 32, "note": "长" * 200},
    {"code": "x" * 17, "name": "张伟", "phone": "1"},
    {"code": "abc", "name": "张" * 51, "phone": "1"},
    {"code": "abc", "name": "张伟", "phone": "1" * 33},
    {"code": "abc", "name": "张伟", "phone": "1", "note": "长" * 201},
    {"code": "", "posting": POSTING, "name": "张伟", "phone": "1"},
    {"code": "   ", "name": "张伟", "phone": "1"},
    {"code": "abc", "name": "   ", "phone": "1"},
    {"code": "abc", "name": "张伟", "phone": ""},
    {"code": "abc", "name": "张伟"},
    {"code": "abc", "phone": "1"},
    {"name": "张伟", "phone": "1"},
    {"code": None, "posting": POSTING, "name": "张伟", "phone": "1"},
    {"posting": None, "code": "abc", "name": "张伟", "phone": "1"},
    {"posting": "not-a-uuid", "name": "张伟", "phone": "1"},
    {"posting": POSTING, "session": "nope", "name": "张伟", "phone": "1"},
    {"code": "abc", "name": ["张伟"], "phone": "1"},
    {"code": "abc", "name": "张伟", "phone": "1", "note": None},
    {"code": "abc", "name": "张\x00伟", "phone": "1"},
    {"code": "abc", "name": "张伟", "phone": "1", "extra": 1},
    [],
    "张伟",
]


def _serializer_arguments(data):
    checked = serializers.ApplyInputSerializer(data=data)
    if not checked.is_valid():
        return None
    values = checked.validated_data
    out = {"note": values.get("note", ""), "name": values["name"], "phone": values["phone"]}
    for name, key in (("code", "code"), ("posting", "posting_id"), ("session", "session_id")):
        if values.get(name) is not None:
            out[key] = values[name]
    return out


@pytest.mark.parametrize("data", BODIES, ids=range(len(BODIES)))
def test_fast_check_accepts_exactly_what_the_serializer_accepts_with_its_values(data):
    assert apply_input_fast(json.dumps(data).encode()) == _serializer_arguments(data)


def test_fast_check_leaves_a_number_where_a_string_belongs_to_the_serializer():
    data = {"code": "abc", "name": "张伟", "phone": 13800138000}  # CharField takes it as "13800138000"

    assert _serializer_arguments(data)["phone"] == "13800138000"
    assert apply_input_fast(json.dumps(data).encode()) is None


@pytest.mark.parametrize("body", [b"", b"{", b"\xef\xbb\xbf{}", b'{"name": "\\ud800"}', b"NaN", b"\xff"])
def test_fast_check_leaves_what_orjson_cannot_read_to_the_serializer(body):
    assert apply_input_fast(body) is None
