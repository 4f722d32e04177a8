"""Production settings: refuse to start without a real SECRET_KEY; `check --deploy` is clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMPORT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"
)


def _production_env(**overrides) -> dict:
    """What an operator sets in production, pointed at the embedded servers (already exported)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "YIZHAN_", "SECRET_KEY"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ["REDIS_URL"],
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="yizhan.example.org",
        SITE_URL="https://yizhan.example.org",
        CSRF_TRUSTED_ORIGINS="https://yizhan.example.org",
        EMAIL_HOST="smtp.example.org",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "secret_key",
    [None, "", "short-secret", "dev-insecure-yizhan-secret-key-change-me"],
    ids=["unset", "empty", "short", "dev-default"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    result = _run(["-c", IMPORT_SETTINGS], _production_env(SECRET_KEY=secret_key))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _run(["-c", IMPORT_SETTINGS], _production_env())
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_check_deploy_has_no_warnings_with_production_variables():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_security_settings_are_on():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS)"
    )
    result = _run(["-c", probe], _production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True True True 31536000 ['yizhan.example.org'] ['https://yizhan.example.org']"
    )


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(["-c", IMPORT_SETTINGS], _production_env(ALLOWED_HOSTS=None))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_production_redirects_to_https_but_not_the_health_probe():
    probe = (
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "r = c.get('/', HTTP_HOST='yizhan.example.org'); print(r.status_code, r['Location']); "
        "r = c.get('/healthz', HTTP_HOST='yizhan.example.org'); print(r.status_code, r['Content-Type'])"
    )
    result = _run(["-c", probe], _production_env())
    assert result.returncode == 0, result.stderr
    redirect, health = result.stdout.strip().splitlines()
    assert redirect == "301 https://yizhan.example.org/"
    assert health.split()[0] in {"200", "503"}  # depends on the dev beat; never a redirect
    assert health.endswith("application/json")
