"""Production settings: refuse to start without a real SECRET_KEY; `check --deploy` is clean.

Each check runs in a fresh interpreter (no pytest imported, so the settings see a production process).
The start-up variants share one interpreter and execute config/settings.py afresh for each environment.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs config/settings.py once per environment in a single interpreter; prints one JSON line each.
VARIANTS_PROBE = """
import json, os, runpy, sys
from django.core.exceptions import ImproperlyConfigured
for name, env in json.loads(sys.stdin.read()).items():
    os.environ.clear(); os.environ.update(env)
    try:
        s = runpy.run_module("config.settings", run_name="settings_probe")
    except ImproperlyConfigured as exc:
        print(json.dumps({"name": name, "refused": str(exc)}))
    else:
        keys = ["DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_REDIRECT_EXEMPT"]
        print(json.dumps({"name": name, "settings": {k: s.get(k) for k in keys}}))
"""


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


def _run(args: list[str], env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def startup_results() -> dict:
    variants = {
        "production": _production_env(),
        "secret-unset": _production_env(SECRET_KEY=None),
        "secret-empty": _production_env(SECRET_KEY=""),
        "secret-short": _production_env(SECRET_KEY="short-secret"),
        "secret-dev-default": _production_env(SECRET_KEY="dev-insecure-yizhan-secret-key-change-me"),
        "no-allowed-hosts": _production_env(ALLOWED_HOSTS=None),
    }
    result = _run(["-c", VARIANTS_PROBE], _production_env(), stdin=json.dumps(variants))
    assert result.returncode == 0, result.stderr
    return {line["name"]: line for line in map(json.loads, result.stdout.splitlines())}


@pytest.mark.parametrize("variant", ["secret-unset", "secret-empty", "secret-short", "secret-dev-default"])
def test_production_refuses_to_start_without_a_real_secret_key(startup_results, variant):
    assert "SECRET_KEY must be set" in startup_results[variant]["refused"]


def test_production_refuses_to_start_without_allowed_hosts(startup_results):
    assert "ALLOWED_HOSTS must list" in startup_results["no-allowed-hosts"]["refused"]


def test_production_starts_with_security_settings_on(startup_results):
    assert startup_results["production"]["settings"] == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "ALLOWED_HOSTS": ["yizhan.example.org"],
        "CSRF_TRUSTED_ORIGINS": ["https://yizhan.example.org"],
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
    }


def test_check_deploy_has_no_warnings_with_production_variables():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


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
    assert health.split()[0] in {"200", "503"}  # depends on whether a dev beat runs; never a redirect
    assert health.endswith("application/json")
