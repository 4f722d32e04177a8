"""Forms of the organizer's slot-request queue and employer queue (the services decide)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from livestreams.organizer_forms import LocalDateTimeField, to_local_input  # noqa: F401


class ApproveForm(forms.Form):
    """Approve into a free segment of the lineup, or into a new one at the given times."""

    segment = forms.ModelChoiceField(label=_("放入已有环节"), queryset=None, required=False)
    title = forms.CharField(label=_("新环节名称"), max_length=200, required=False)
    starts_at = LocalDateTimeField(label=_("新环节开始"), required=False)
    ends_at = LocalDateTimeField(label=_("新环节结束"), required=False)

    def __init__(self, *args, session, free_segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["segment"].queryset = free_segments
        self.fields["segment"].empty_label = _("— 新建环节 —")
        zone = session.timezone

        def label(segment):
            return f"{to_local_input(segment.starts_at, zone)[11:]}–{to_local_input(segment.ends_at, zone)[11:]} {segment.title}"

        self.fields["segment"].label_from_instance = label

    def clean(self):
        data = super().clean()
        if data.get("segment"):
            return data
        for name in ("starts_at", "ends_at"):
            if not data.get(name):
                self.add_error(name, _("不选已有环节时，请填写新环节的时间。"))
            else:
                data[name] = data[name].replace(tzinfo=ZoneInfo(self.session.timezone))
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("环节结束时间必须晚于开始时间。"))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class UnverifyForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销认证的原因（会发给企业）"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class BulkApproveForm(forms.Form):
    """The pending requests ticked in the queue (only this fair's, only ones the organizer may see)."""

    requests = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={
            "required": _("请先勾选要批准的申请。"),
            "invalid_choice": _("所选申请已处理或不存在，请刷新页面。"),
            "invalid_pk_value": _("所选申请已处理或不存在，请刷新页面。"),
        },
    )

    def __init__(self, *args, pending, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requests"].queryset = pending
