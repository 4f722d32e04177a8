"""Shared helpers for the apps' demo data (``manage.py seed_demo`` calls each ``<app>/demo.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from core.models import User

DEMO_PASSWORD = "yizhan-demo"
# The union's own people. Reserved top-level domain (RFC 6761 .test): realistic, never deliverable.
DEMO_EMAIL_DOMAIN = "hzgh.test"


@dataclass(frozen=True)
class DemoLogin:
    """One line of the `make run` banner: who, how they sign in, where they land."""

    who: str
    username: str = ""  # signs in with this username and DEMO_PASSWORD
    phone: str = ""  # signs in with an SMS code sent to this mobile (no password)
    starts: str = ""  # the page the login lands on (a path)
    note: str = ""

    def line(self, site_url: str) -> str:
        how = f"{self.username} / {DEMO_PASSWORD}" if self.username else f"SMS code to {self.phone}"
        where = f"  → {site_url}{self.starts}" if self.starts else ""
        note = f"  ({self.note})" if self.note else ""
        return f"{self.who:<10} {how:<34}{where}{note}"


def banner(ctx: dict, *, site_url: str) -> str:
    """The demo's logins and URLs as `make run` prints them once the server answers (seed_demo too)."""
    site_url = site_url.rstrip("/")
    lines = [
        f"Yizhan demo at {site_url}/   sign in: {site_url}/accounts/login/",
        f"API docs {site_url}/api/docs/ · admin {site_url}/admin/ (superusers only)",
        "",
        "Demo logins:",
        *(f"  {login.line(site_url)}" for login in ctx.get("logins", [])),
    ]
    urls = ctx.get("urls", [])
    if urls:
        lines += ["", "Also:", *(f"  {label}: {url}" for label, url in urls)]
    return "\n".join(lines)


def demo_user(
    username: str, *, role: str, display_name: str, union=None, email_domain: str = DEMO_EMAIL_DOMAIN, **extra
) -> User:
    """Get or create a demo account (password ``DEMO_PASSWORD``, email ``<username>@<DEMO_EMAIL_DOMAIN>``).

    Idempotent: an existing account is returned as it is, so re-seeding never resets what a person changed.
    """
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "union": union,
            "display_name": display_name,
            "email": f"{username}@{email_domain}",
            **extra,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user
