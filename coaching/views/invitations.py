"""Organizer page: invite coaches and hosts (email with a set-password link), see who has joined."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coaching import services
from core.errors import ApplicationError
from core.models import User
from core.phones import cn_mobile_mask


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("身份"),
        choices=[(User.Role.COACH, gettext_lazy("教练")), (User.Role.HOST, gettext_lazy("主播"))],
    )
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=100)
    email = forms.EmailField(label=gettext_lazy("邮箱"), max_length=254, required=False)
    phone = forms.CharField(label=gettext_lazy("手机号（选填，同时短信通知）"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("email") and not (data.get("phone") or "").strip():
            raise forms.ValidationError(_("请填写邮箱或手机号（只有手机号时用短信发送邀请）。"))
        return data


@login_required
def staff_invitations(request):
    if not request.user.is_organizer:
        raise PermissionDenied
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            phone = services.normalize_cn_mobile(data["phone"]) if data["phone"] else ""
            user = services.staff_invite(
                by=request.user, role=data["role"], name=data["name"], email=data["email"], phone=phone
            )
        except ApplicationError as exc:
            for name, errors in (exc.fields or {"__all__": [exc.message]}).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            sent_to = user.email or cn_mobile_mask(user.phone)
            messages.success(request, _("邀请已发送给 %(email)s。") % {"email": sent_to})
            return redirect("coaching:staff_invitations")
    people = list(services.staff_invited(by=request.user))
    for person in people:
        person.contact = person.email or cn_mobile_mask(person.phone)
    return render(
        request,
        "coaching/organizer/invitations.html",
        {"form": form, "people": people},
        status=400 if form.errors else 200,
    )
