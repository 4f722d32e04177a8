"""Forms of the organizer's session editor. They parse and check input; the services decide.

Times are typed as wall-clock times in the session's own zone (picked in the same form) and turned into
aware datetimes here, so a Shanghai fair typed as 10:00 is stored as 02:00 UTC whoever types it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.models import User
from core.timeutils import is_valid_timezone
from livestreams.models import LiveSession, Series

DEFAULT_ZONE = "Asia/Shanghai"
COMMON_ZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Urumqi",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Australia/Adelaide",
    "UTC",
]
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def service_error_text(exc: ApplicationError) -> str:
    """One line for a flash message: the field messages (already in the reader's language, through
    gettext in the service), else the error's own message."""
    details = [str(m) for msgs in exc.fields.values() for m in (msgs if isinstance(msgs, list) else [msgs])]
    return " ".join(details) or str(exc.message)


def apply_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's field errors on the form's fields (unknown fields become form-wide errors)."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    for name, messages in exc.fields.items():
        target = name if name in form.fields else None
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(target, str(message))


@cache
def zone_choices() -> list[tuple[str, str]]:
    rest = sorted(z for z in available_timezones() if z not in COMMON_ZONES and "/" in z)
    return [(z, z) for z in COMMON_ZONES] + [(z, z) for z in rest]


def to_local_input(value: datetime | None, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime(LOCAL_INPUT) if value else ""


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local input; the value is naive here and made aware in the form's ``clean``."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)
    input_formats = [LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        for fmt in self.input_formats:
            try:
                return datetime.strptime(str(value).strip(), fmt)
            except ValueError:
                continue
        raise forms.ValidationError(_("请输入有效的日期和时间。"), code="invalid")

    def prepare_value(self, value):
        if isinstance(value, datetime):
            return value.strftime(LOCAL_INPUT)
        return value


def _aware(naive: datetime, zone: str) -> datetime:
    return naive.replace(tzinfo=ZoneInfo(zone))


class SeriesForm(forms.Form):
    title = forms.CharField(label=_("系列名称"), max_length=200)
    description = forms.CharField(label=_("简介"), max_length=5000, required=False, widget=forms.Textarea)
    is_public = forms.BooleanField(label=_("公开（任何人可见）"), required=False, initial=True)


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=LiveSession.Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    series = forms.ModelChoiceField(label=_("所属系列"), queryset=Series.objects.none(), required=False)
    description = forms.CharField(label=_("介绍"), max_length=10000, required=False, widget=forms.Textarea)
    platform = forms.ChoiceField(label=_("直播平台"), choices=LiveSession.Platform.choices)
    platform_room_id = forms.CharField(label=_("直播间号"), max_length=100, required=False)
    stream_url = forms.URLField(label=_("直播间链接"), max_length=500, required=False, assume_scheme="https")
    hosts = forms.ModelMultipleChoiceField(
        label=_("主播"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    timezone = forms.ChoiceField(label=_("时区"), initial=DEFAULT_ZONE)
    starts_at = LocalDateTimeField(label=_("开始（场次时区）"))
    ends_at = LocalDateTimeField(label=_("结束（场次时区）"))
    is_public = forms.BooleanField(label=_("公开"), required=False, initial=True)

    def __init__(self, *args, series_qs=None, hosts_qs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices()
        if series_qs is not None:
            self.fields["series"].queryset = series_qs
        if hosts_qs is not None:
            self.fields["hosts"].queryset = hosts_qs
            self.fields["hosts"].label_from_instance = lambda user: user.name

    def clean(self):
        data = super().clean()
        zone = data.get("timezone")
        if zone and not is_valid_timezone(zone):
            self.add_error("timezone", _("未知时区，请从列表中选择。"))
            return data
        if zone:
            for name in ("starts_at", "ends_at"):
                if data.get(name):
                    data[name] = _aware(data[name], zone)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("结束时间必须晚于开始时间。"))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["hosts"] = list(data.get("hosts") or [])
        return data

    @classmethod
    def initial_for(cls, session: LiveSession) -> dict:
        zone = session.timezone
        return {
            "kind": session.kind,
            "title": session.title,
            "series": session.series_id,
            "description": session.description,
            "platform": session.platform,
            "platform_room_id": session.platform_room_id,
            "stream_url": session.stream_url,
            "hosts": [h.pk for h in session.hosts.all()],
            "timezone": zone,
            "starts_at": to_local_input(session.starts_at, zone),
            "ends_at": to_local_input(session.ends_at, zone),
            "is_public": session.is_public,
        }


class SegmentForm(forms.Form):
    """A lineup segment; times in the session's zone (which the view passes in)."""

    title = forms.CharField(label=_("环节名称"), max_length=200)
    description = forms.CharField(label=_("说明"), max_length=5000, required=False, widget=forms.Textarea)
    starts_at = LocalDateTimeField(label=_("开始"))
    ends_at = LocalDateTimeField(label=_("结束"))
    seller = forms.ModelChoiceField(label=_("上播学员"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, session: LiveSession, sellers_qs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        if sellers_qs is not None and session.kind == LiveSession.Kind.SALES:
            self.fields["seller"].queryset = sellers_qs
            self.fields["seller"].label_from_instance = lambda user: user.name
        else:
            del self.fields["seller"]

    def clean(self):
        data = super().clean()
        for name in ("starts_at", "ends_at"):
            if data.get(name):
                data[name] = _aware(data[name], self.session.timezone)
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end:
            if end <= start:
                self.add_error("ends_at", _("环节结束时间必须晚于开始时间。"))
            elif start < self.session.starts_at or end > self.session.ends_at:
                self.add_error("starts_at", _("环节必须在场次的开始和结束时间之内。"))
        return data

    @classmethod
    def initial_for(cls, segment) -> dict:
        zone = segment.session.timezone
        return {
            "title": segment.title,
            "description": segment.description,
            "starts_at": to_local_input(segment.starts_at, zone),
            "ends_at": to_local_input(segment.ends_at, zone),
            "seller": segment.seller_id,
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PostponeForm(forms.Form):
    starts_at = LocalDateTimeField(label=_("新的开始时间（场次时区）"))

    def __init__(self, *args, session: LiveSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session

    def clean(self):
        data = super().clean()
        if data.get("starts_at"):
            data["starts_at"] = _aware(data["starts_at"], self.session.timezone)
            data["delta"] = data["starts_at"] - self.session.starts_at
        return data
