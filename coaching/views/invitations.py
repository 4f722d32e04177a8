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


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("身份"),
        choices=[(User.Role.COACH, gettext_lazy("教练")), (User.Role.HOST, gettext_lazy("主播"))],
    )
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=100)
    email = forms.EmailField(label=gettext_lazy("邮箱"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("手机号（选填，同时短信通知）"), max_length=20, required=False)


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
            messages.success(request, _("邀请已发送给 %(email)s。") % {"email": user.email})
            return redirect("coaching:staff_invitations")
    people = services.staff_invited(by=request.user)
    return render(
        request,
        "coaching/organizer/invitations.html",
        {"form": form, "people": people},
        status=400 if form.errors else 200,
    )
