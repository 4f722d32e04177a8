"""SMS backends and SMS through the outbox. The Alibaba Cloud adapter (official SDK) talks to a loopback
HTTP server that answers like Dysmsapi ``SendSms`` does — never to the real service."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.utils import timezone

from core import sms
from core.models import OutboxMessage
from core.outbox import outbox_deliver, outbox_enqueue, sms_payload

pytestmark = pytest.mark.django_db


class FakeDysms:
    """Speaks SendSms: POST / with the parameters in the query (RPC style), JSON answers with a Code."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict] | str] = []  # "hang" = answer after the client gave up
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                params = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                params.update({k: v[0] for k, v in parse_qs(body).items()})
                fake.requests.append({"params": params, "headers": dict(self.headers)})
                answer = fake.answers.pop(0) if fake.answers else (200, fake.ok())
                if answer == "hang":
                    time.sleep(1.5)
                    answer = (200, fake.ok())
                status, payload = answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def ok():
        return {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}

    @staticmethod
    def error(code, message):
        return {"Code": code, "Message": message, "RequestId": "F655A8D5"}

    @property
    def endpoint(self):
        return f"127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def dysms(settings):
    fake = FakeDysms()
    fake.thread.start()
    settings.SMS_BACKEND = "core.sms.AliyunBackend"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "secret-test"
    settings.SMS_ALIYUN_SIGN_NAME = "驿站"
    settings.SMS_ALIYUN_ENDPOINT = fake.endpoint
    settings.SMS_ALIYUN_PROTOCOL = "http"
    settings.SMS_TIMEOUT_MS = 500
    settings.SMS_ALIYUN_TEMPLATES = {"login_code": "SMS_100000001"}
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _enqueue_code(key="sms-1", phone="+8613812345678"):
    outbox_enqueue(
        key=key,
        kind="sms",
        recipient=phone,
        subject="login code",
        payload=sms_payload(kind="login_code", text="验证码 123456", params={"code": "123456"}),
    )
    return OutboxMessage.objects.get(key=key)


def test_aliyun_adapter_sends_the_template_with_its_parameters(dysms):
    message = _enqueue_code()

    assert outbox_deliver(message_id=message.pk) == "sent"

    [request] = dysms.requests
    params = request["params"]
    assert params["PhoneNumbers"] == "13812345678"
    assert params["SignName"] == "驿站"
    assert params["TemplateCode"] == "SMS_100000001"
    assert json.loads(params["TemplateParam"]) == {"code": "123456"}
    assert "LTAI-test" in request["headers"].get("Authorization", "")  # signed with the access key
    assert "secret-test" not in json.dumps(request)
    message.refresh_from_db()
    assert message.status == "sent"


def test_aliyun_template_error_is_undeliverable_without_retry(dysms):
    dysms.answers = [(200, dysms.error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"))]
    message = _enqueue_code()

    assert outbox_deliver(message_id=message.pk) == "undeliverable"

    message.refresh_from_db()
    assert message.status == "undeliverable"
    assert "isv.SMS_TEMPLATE_ILLEGAL" in message.last_error
    assert len(dysms.requests) == 1


def test_aliyun_throttled_is_retried_later_and_then_sent(dysms):
    dysms.answers = [(200, dysms.error("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"))]
    message = _enqueue_code()

    assert outbox_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == "pending" and "BUSINESS_LIMIT_CONTROL" in message.last_error
    assert outbox_deliver(message_id=message.pk) == "skipped"  # not due yet: backoff

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert outbox_deliver(message_id=message.pk) == "sent"
    assert len(dysms.requests) == 2


def test_aliyun_http_throttling_answer_is_retried(dysms):
    dysms.answers = [
        (429, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."})
    ]
    message = _enqueue_code()

    assert outbox_deliver(message_id=message.pk) == "retry"


def test_aliyun_timeout_is_retried_then_dead_after_max_attempts(dysms, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    dysms.answers = ["hang", "hang"]
    message = _enqueue_code()

    assert outbox_deliver(message_id=message.pk) == "retry"
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert outbox_deliver(message_id=message.pk) == "dead"

    message.refresh_from_db()
    assert message.status == "dead" and message.attempts == 2


def test_aliyun_kind_without_a_template_is_undeliverable(dysms):
    outbox_enqueue(
        key="sms-x",
        kind="sms",
        recipient="+8613812345678",
        subject="x",
        payload=sms_payload(kind="reminder_1h", text="一小时后上课"),
    )
    message = OutboxMessage.objects.get(key="sms-x")

    assert outbox_deliver(message_id=message.pk) == "undeliverable"
    assert dysms.requests == []


def test_locmem_backend_keeps_the_text_and_the_same_key_sends_once(settings):
    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    sms.outbox.clear()
    message = _enqueue_code()
    _enqueue_code()  # same key: no second row

    assert outbox_deliver(message_id=message.pk) == "sent"
    assert outbox_deliver(message_id=message.pk) == "skipped"

    assert [(m.phone, m.kind, m.text) for m in sms.outbox] == [
        ("+8613812345678", "login_code", "验证码 123456")
    ]


def test_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_BACKEND = "core.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    message = _enqueue_code()

    outbox_deliver(message_id=message.pk)

    [line] = (tmp_path / "sms.jsonl").read_text().splitlines()
    assert json.loads(line)["params"] == {"code": "123456"}
