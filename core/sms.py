"""SMS backends, chosen by ``settings.SMS_BACKEND`` the way Django chooses an email backend.

- ``core.sms.ConsoleBackend``: prints the message (development default).
- ``core.sms.LocmemBackend``: keeps messages in ``core.sms.outbox`` (tests; the worker runs in-process).
- ``core.sms.FileBackend``: appends one JSON line per message to ``settings.SMS_FILE_PATH``.
- ``core.sms.AliyunBackend``: Alibaba Cloud SMS (Dysmsapi ``SendSms``) through the official SDK.

Mainland SMS must use a template approved by the provider, so a message is a *kind* (``login_code``,
``reminder_24h``…) plus template parameters; the provider template code for each kind comes from the
environment (``SMS_ALIYUN_TEMPLATE_LOGIN_CODE`` …). ``text`` is what the console/test backends show and
what a provider without templates would send.

Backends raise ``SmsTransient`` for errors worth retrying (timeouts, throttling, 5xx) and ``SmsRejected``
for answers that will not change on retry (bad template, bad number); the outbox retries the first with
backoff and marks the second undeliverable.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsTransient(SmsError):
    """Try again later (timeout, throttled, provider down)."""


class SmsRejected(SmsError):
    """The provider refused the message for good (template, signature, number)."""


@dataclass
class SmsMessage:
    phone: str  # E.164
    kind: str
    params: dict = field(default_factory=dict)
    text: str = ""


class BaseBackend:
    def send(self, message: SmsMessage) -> str:
        """Send one message; return the provider's id for it (or "")."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, message: SmsMessage) -> str:
        stream = getattr(settings, "SMS_CONSOLE_STREAM", None) or sys.stdout
        stream.write(f"[SMS to {message.phone}] ({message.kind}) {message.text}\n")
        stream.flush()
        return ""


outbox: list[SmsMessage] = []
_outbox_lock = threading.Lock()


class LocmemBackend(BaseBackend):
    def send(self, message: SmsMessage) -> str:
        with _outbox_lock:
            outbox.append(message)
        return f"locmem-{len(outbox)}"


class FileBackend(BaseBackend):
    def send(self, message: SmsMessage) -> str:
        with _outbox_lock, open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(message), ensure_ascii=False) + "\n")
        return ""


# Alibaba Cloud answers HTTP 200 with a business Code; these codes mean "later", everything else "never".
ALIYUN_TRANSIENT_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",  # per-number flow control (1/min, 5/h, 10/day by default)
    "Throttling",
    "Throttling.User",
    "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY",  # transient while a RAM policy propagates
    "ServiceUnavailable",
    "InternalError",
}


class AliyunBackend(BaseBackend):
    """Alibaba Cloud SMS. Configured only by environment variables (see docs/operations.md):
    SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_SIGN_NAME,
    SMS_ALIYUN_TEMPLATE_<KIND> (one approved template code per message kind), optional
    SMS_ALIYUN_ENDPOINT (default dysmsapi.aliyuncs.com) and SMS_ALIYUN_PROTOCOL (https)."""

    def __init__(self):
        from alibabacloud_dysmsapi20170525.client import Client  # noqa: PLC0415 -- provider SDK loaded only when this backend is chosen
        from alibabacloud_tea_openapi import models as open_api_models  # noqa: PLC0415 -- provider SDK loaded only when this backend is chosen

        config = open_api_models.Config(
            access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID,
            access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
            endpoint=settings.SMS_ALIYUN_ENDPOINT,
            protocol=settings.SMS_ALIYUN_PROTOCOL,
            connect_timeout=settings.SMS_TIMEOUT_MS,
            read_timeout=settings.SMS_TIMEOUT_MS,
        )
        self.client = Client(config)

    def send(self, message: SmsMessage) -> str:
        from alibabacloud_dysmsapi20170525 import models as sms_models  # noqa: PLC0415 -- provider SDK loaded only when this backend is chosen
        from alibabacloud_tea_util import models as util_models  # noqa: PLC0415 -- provider SDK loaded only when this backend is chosen
        from darabonba.exceptions import DaraException  # noqa: PLC0415 -- provider SDK loaded only when this backend is chosen

        template = settings.SMS_ALIYUN_TEMPLATES.get(message.kind)
        if not template:
            raise SmsRejected(f"no template code configured for SMS kind {message.kind!r}")
        request = sms_models.SendSmsRequest(
            phone_numbers=message.phone.removeprefix("+86"),
            sign_name=settings.SMS_ALIYUN_SIGN_NAME,
            template_code=template,
            template_param=json.dumps({k: str(v) for k, v in message.params.items()}, ensure_ascii=False),
        )
        # The outbox owns retries (with backoff, across workers); the SDK must not retry on its own.
        runtime = util_models.RuntimeOptions(
            autoretry=False,
            max_attempts=1,
            connect_timeout=settings.SMS_TIMEOUT_MS,
            read_timeout=settings.SMS_TIMEOUT_MS,
        )
        try:
            response = self.client.send_sms_with_options(request, runtime)
        except DaraException as exc:
            code = getattr(exc, "code", "") or ""
            status = getattr(exc, "status_code", None) or 0
            if code in ALIYUN_TRANSIENT_CODES or status == 429 or status >= 500:
                raise SmsTransient(f"{code or status}: {exc}") from exc
            raise SmsRejected(f"{code or status}: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - network errors come as requests/urllib3/OS errors
            raise SmsTransient(f"{type(exc).__name__}: {exc}") from exc
        body = response.body
        if body.code == "OK":
            return body.biz_id or ""
        if body.code in ALIYUN_TRANSIENT_CODES:
            raise SmsTransient(f"{body.code}: {body.message}")
        raise SmsRejected(f"{body.code}: {body.message}")


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def sms_send(message: SmsMessage) -> str:
    return get_backend().send(message)
