"""Forms of the employer workspace. They only shape input; the services hold every rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jobs.models import JobPosting
from jobs.services.common import POSTING_FIELD_ORDER, POSTING_FIELDS


class SignupForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=200)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        help_text=_("18 位，见营业执照"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=100)
    contact_phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
    )
    contact_email = forms.EmailField(label=_("邮箱"), help_text=_("用作登录名，审核结果也发到这里"))
    password = forms.CharField(
        label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("招聘专员的邮箱"), required=False)
    phone = forms.CharField(label=_("或手机号（短信邀请）"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("email") and not (data.get("phone") or "").strip():
            raise forms.ValidationError(_("请填写邮箱或手机号。"))
        return data


PAY_HELP = _("人民币元；计件请填每件的单价")


class PostingForm(forms.ModelForm):
    """Every structured field of a posting. Validation beyond types is the service's (posting_create)."""

    closes_at = forms.DateTimeField(
        label=_("截止时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

    class Meta:
        model = JobPosting
        fields = list(POSTING_FIELD_ORDER)  # one list: the service allowlist
        labels = {
            "title": _("岗位名称"),
            "description": _("岗位详情"),
            "pay_type": _("计薪方式"),
            "pay_min": _("最低薪资（元）"),
            "pay_max": _("最高薪资（元）"),
            "headcount": _("招聘人数"),
            "city": _("城市"),
            "district": _("区县"),
            "address": _("详细地址"),
            "shift": _("班次"),
            "housing": _("住宿"),
            "meals": _("餐食"),
            "ins_pension": _("养老保险"),
            "ins_medical": _("医疗保险"),
            "ins_unemployment": _("失业保险"),
            "ins_work_injury": _("工伤保险"),
            "ins_maternity": _("生育保险"),
            "housing_fund": _("住房公积金"),
            "education": _("学历要求"),
            "experience_years": _("工作经验（年）"),
            "age_min": _("最低年龄"),
            "age_max": _("最高年龄"),
            "tags": _("标签"),
        }
        help_texts = {"pay_min": PAY_HELP, "tags": _("用逗号分隔，最多 10 个，如：包吃住,可预支")}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def _post_clean(self):
        # No model full_clean here: the service validates (with messages people understand) and writes.
        pass

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in POSTING_FIELDS}


INSURANCE_FIELDS = [
    "ins_pension",
    "ins_medical",
    "ins_unemployment",
    "ins_work_injury",
    "ins_maternity",
    "housing_fund",
]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("备注"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
