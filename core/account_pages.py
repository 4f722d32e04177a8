"""Account pages: sign in (SMS code first, then password, then an email link), password reset for every
account with an email, notification preferences.

Each POST is one service call: ``phone_code_request`` / ``phone_code_verify`` (core.signin), Django's
authentication (django-axes counts failures per account; ``core.throttle`` counts them per client
address), ``magic_link_send``. Every refusal is a 4xx on the same page; a 429 carries Retry-After.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import signin
from core.errors import ApplicationError, error_body
from core.invitations import magic_link_send, password_reset_send
from core.models import User
from core.notify import language_of, preferences_update
from core.throttle import RateLimited, client_ip, rate_check, rate_hit, rate_peek, setting_rate

SESSION_PHONE = "signin_phone"


def _mask(phone: str) -> str:
    digits = phone.removeprefix("+86")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else digits


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def _remember_language(response, user: User):
    """Set the language cookie to the person's chosen language (their pages follow it after sign-in)."""
    if user.language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _field_errors(exc: ApplicationError) -> dict:
    fields = {k: v if isinstance(v, list) else [v] for k, v in (exc.fields or {}).items()}
    return fields or {"general": [exc.message]}


class SignInView(auth_views.LoginView):
    """GET shows the three ways in; POST ``action`` picks one (password when absent)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        phone = self.request.session.get(SESSION_PHONE, "")
        context.update(
            {
                "signin_phone": phone,
                "signin_phone_masked": _mask(phone) if phone else "",
                "resend_wait": signin.resend_wait(phone=phone) if phone else 0,
                "phone_errors": getattr(self, "phone_errors", {}),
                "phone_value": getattr(self, "phone_value", ""),
                "magic_errors": getattr(self, "magic_errors", {}),
                "open_panel": getattr(self, "open_panel", ""),
            }
        )
        return context

    def _page(self, *, status: int = 200, retry_after: int | None = None, **attrs):
        for name, value in attrs.items():
            setattr(self, name, value)
        response = self.render_to_response(self.get_context_data(form=self.get_form()), status=status)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "password")
        if action == "send_code":
            return self._send_code()
        if action == "verify_code":
            return self._verify_code()
        if action == "change_phone":
            request.session.pop(SESSION_PHONE, None)
            return HttpResponseRedirect(request.get_full_path())
        if action == "magic_link":
            return self._magic_link()
        wait = rate_peek(scope="login_ip", key=client_ip(request), rate=setting_rate("login_ip"))
        if wait is not None:
            messages.error(request, _("登录失败次数过多，请稍后再试。"))
            return self._page(status=429, retry_after=wait, open_panel="password")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        return _remember_language(super().form_valid(form), form.get_user())

    def form_invalid(self, form):
        rate_hit(scope="login_ip", key=client_ip(self.request), rate=setting_rate("login_ip"))
        self.open_panel = "password"
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def _send_code(self):
        request = self.request
        raw = request.POST.get("phone") or request.session.get(SESSION_PHONE, "")
        try:
            sent = signin.phone_code_request(phone=raw, ip=client_ip(request))
        except RateLimited as exc:
            messages.error(request, exc.message)
            return self._page(status=429, retry_after=exc.retry_after, phone_value=raw[:32])
        except ApplicationError as exc:
            return self._page(status=400, phone_errors=_field_errors(exc), phone_value=raw[:32])
        request.session[SESSION_PHONE] = sent.phone
        messages.success(
            request, _("如果该号码已注册，验证码已发送到 %(phone)s。") % {"phone": _mask(sent.phone)}
        )
        return HttpResponseRedirect(request.get_full_path())

    def _verify_code(self):
        request = self.request
        phone = request.session.get(SESSION_PHONE, "")
        if not phone:
            return self._page(status=400, phone_errors={"phone": [_("请先获取验证码。")]})
        try:
            user = signin.phone_code_verify(phone=phone, code=request.POST.get("code", "")[:12])
        except ApplicationError as exc:
            return self._page(status=400, phone_errors=_field_errors(exc))
        request.session.pop(SESSION_PHONE, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return _remember_language(HttpResponseRedirect(_safe_next(request)), user)

    def _magic_link(self):
        request = self.request
        email = request.POST.get("email", "").strip()[:254]
        try:
            rate_check(scope="magic_link_ip", key=client_ip(request), rate=setting_rate("magic_link_ip"))
            magic_link_send(email=email, next_url=_safe_next(request))
        except RateLimited as exc:
            messages.error(request, exc.message)
            return self._page(status=429, retry_after=exc.retry_after, open_panel="email")
        except ApplicationError as exc:
            return self._page(status=400, magic_errors=_field_errors(exc), open_panel="email")
        messages.success(request, _("如果该邮箱对应一个账号，登录链接已发送，15 分钟内有效。"))
        return HttpResponseRedirect(request.get_full_path())


def locked_out(request, response=None, credentials=None):
    """django-axes calls this when an account has too many failed passwords: 429 + Retry-After."""
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if request.path.startswith("/api/"):
        body = error_body("locked_out", "Too many failed logins for this account; retry later.")
        reply = JsonResponse(body, status=429)
    else:
        messages.error(request, _("该账号密码错误次数过多，已暂时锁定。请稍后再试，或用短信验证码登录。"))
        view = SignInView()
        view.setup(request)
        view.open_panel = "password"
        reply = view.render_to_response(view.get_context_data(form=view.get_form()), status=429)
        reply.render()
    reply["Retry-After"] = str(wait)
    return reply


# --- Password reset: every account with an email (also ones never given a password) ----------------


class AnyAccountResetForm(PasswordResetForm):
    """Django's form skips accounts without a usable password (invited coaches, hosts, trainees who
    signed up by phone); here they may set one. Mail goes through the outbox."""

    def save(self, *, request, **kwargs):
        password_reset_send(email=self.cleaned_data["email"])


class PasswordResetView(auth_views.PasswordResetView):
    form_class = AnyAccountResetForm

    def post(self, request, *args, **kwargs):
        try:
            rate_check(
                scope="password_reset_ip", key=client_ip(request), rate=setting_rate("password_reset_ip")
            )
        except RateLimited as exc:
            messages.error(request, exc.message)
            response = self.render_to_response(self.get_context_data(), status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return super().post(request, *args, **kwargs)


# --- Notification preferences -------------------------------------------------------------------


def _zone_choices():
    common = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Urumqi", "Asia/Taipei", "Asia/Tokyo", "Europe/London"]
    rest = sorted(z for z in available_timezones() if "/" in z and z not in common)
    return [("", gettext_lazy("跟随课程/场次所在时区"))] + [(z, z) for z in common + rest]


class LanguageSelect(forms.Select):
    """Each language named in itself, marked with its own ``lang`` (like the switcher in base.html)."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["lang"] = value
        return option


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("语言（通知和页面）"),
        choices=settings.LANGUAGES,
        widget=LanguageSelect,
        required=False,  # a form without it (an older page, a script) leaves the language as it is
    )
    notify_channel = forms.ChoiceField(
        label=gettext_lazy("通知方式"), choices=User.Channel.choices, required=False
    )
    time_zone = forms.ChoiceField(label=gettext_lazy("时区"), choices=_zone_choices, required=False)
    email = forms.EmailField(label=gettext_lazy("邮箱"), required=False, max_length=254)
    phone = forms.CharField(label=gettext_lazy("手机号（接收短信通知）"), required=False, max_length=20)


@login_required
def preferences(request):
    user = request.user
    initial = {
        "language": language_of(user),
        "notify_channel": user.notify_channel,
        "time_zone": user.time_zone,
        "email": user.email,
        "phone": user.phone,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if user.role == User.Role.TRAINEE:  # a trainee's number is the one they book with (their profile)
        del form.fields["phone"]
    if request.method == "POST" and form.is_valid():
        try:
            preferences_update(
                user=user, **{**form.cleaned_data, "language": form.cleaned_data["language"] or None}
            )
        except ApplicationError as exc:
            for name, errors in _field_errors(exc).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            # Their own pages follow the language they chose from now on (LocaleMiddleware reads it).
            with translation.override(user.language):
                messages.success(request, _("通知设置已保存。"))
            response = redirect(reverse("preferences"))
            _remember_language(response, user)
            return response
    status = 400 if form.errors else 200
    return render(request, "registration/preferences.html", {"form": form}, status=status)
