"""Forms of the organizer's coaching setup pages (programs, classes, coach availability)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from coaching.models import Coach, Slot
from core.timeutils import is_valid_timezone
from livestreams.organizer_forms import DEFAULT_ZONE, LocalDateTimeField, to_local_input, zone_choices


class ProgramForm(forms.Form):
    title = forms.CharField(label=_("课程名称"), max_length=200)
    description = forms.CharField(label=_("介绍"), max_length=10000, required=False, widget=forms.Textarea)
    location = forms.CharField(label=_("上课地点"), max_length=300, required=False)
    online_url = forms.URLField(label=_("线上链接"), max_length=500, required=False, assume_scheme="https")
    timezone = forms.ChoiceField(label=_("时区"), initial=DEFAULT_ZONE)
    enrol_opens_at = LocalDateTimeField(label=_("报名开始（可空）"), required=False)
    enrol_closes_at = LocalDateTimeField(label=_("报名截止（可空）"), required=False)
    capacity = forms.IntegerField(label=_("计划招收学员"), min_value=1, max_value=100000, initial=30)
    cancel_cutoff_hours = forms.IntegerField(
        label=_("开课前多少小时内取消算迟取消"), min_value=0, max_value=720, initial=12
    )
    max_active_bookings = forms.IntegerField(
        label=_("每位学员最多预约几节"), min_value=1, max_value=1000, initial=10
    )
    offer_hours = forms.IntegerField(label=_("候补名额保留（小时）"), min_value=1, max_value=72, initial=12)
    completion_classes = forms.IntegerField(
        label=_("结业需出勤节数（0 = 全部小班课）"), min_value=0, max_value=1000, initial=0
    )
    is_published = forms.BooleanField(label=_("发布（学员可见）"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices()

    def clean(self):
        data = super().clean()
        zone = data.get("timezone")
        if zone and is_valid_timezone(zone):
            for name in ("enrol_opens_at", "enrol_closes_at"):
                if data.get(name):
                    data[name] = data[name].replace(tzinfo=ZoneInfo(zone))
        opens, closes = data.get("enrol_opens_at"), data.get("enrol_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("enrol_closes_at", _("报名截止必须晚于报名开始。"))
        return data

    @classmethod
    def initial_for(cls, program) -> dict:
        zone = program.timezone
        initial = {name: getattr(program, name) for name in cls.base_fields}
        initial["enrol_opens_at"] = to_local_input(program.enrol_opens_at, zone)
        initial["enrol_closes_at"] = to_local_input(program.enrol_closes_at, zone)
        return initial


class SlotForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Slot.Kind.choices, initial=Slot.Kind.GROUP)
    coach = forms.ModelChoiceField(label=_("教练"), queryset=Coach.objects.none())
    title = forms.CharField(label=_("课程标题"), max_length=200)
    starts_at = LocalDateTimeField(label=_("开始（课程时区）"))
    ends_at = LocalDateTimeField(label=_("结束（课程时区）"))
    capacity = forms.IntegerField(
        label=_("名额（1:1 固定为 1）"), min_value=1, max_value=10000, required=False
    )
    location = forms.CharField(label=_("地点"), max_length=300, required=False)
    online_url = forms.URLField(label=_("线上链接"), max_length=500, required=False, assume_scheme="https")
    repeat_weekly = forms.BooleanField(label=_("每周重复"), required=False)
    until = forms.DateField(
        label=_("重复到（含这一天）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, program, coaches_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["coach"].queryset = coaches_qs
        self.fields["coach"].label_from_instance = lambda coach: coach.user.name

    def clean(self):
        data = super().clean()
        zone = ZoneInfo(self.program.timezone)
        for name in ("starts_at", "ends_at"):
            if data.get(name):
                data[name] = data[name].replace(tzinfo=zone)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("结束时间必须晚于开始时间。"))
        if data.get("kind") == Slot.Kind.ONE_ON_ONE:
            data["capacity"] = 1
        elif not data.get("capacity") and "capacity" not in self.errors:
            self.add_error("capacity", _("小班课请填写名额。"))
        if data.get("repeat_weekly") and not data.get("until"):
            self.add_error("until", _("每周重复时请填写重复到哪一天。"))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("repeat_weekly", None)
        data.pop("until", None)
        data["timezone"] = self.program.timezone
        return data


class AvailabilityForm(forms.Form):
    buffer_minutes = forms.IntegerField(label=_("1:1 之间的间隔（分钟）"), min_value=0, max_value=240)
    min_notice_hours = forms.IntegerField(label=_("最少提前预约（小时）"), min_value=0, max_value=720)
    horizon_days = forms.IntegerField(label=_("最多提前多少天预约"), min_value=1, max_value=365)
    specialties = forms.CharField(label=_("擅长"), max_length=300, required=False)


class CancelSlotForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因（会告知学员）"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
