"""`make run`: embedded services (unless URLs are given) + migrate + seed + web, worker and beat.

honcho runs the processes and relays Ctrl-C to them; when it returns, this process exits and the
embedded PostgreSQL and Redis it started stop with it (config/embedded.py). While it runs, a supervisor
thread starts an embedded server that died again (config.embedded.Supervisor).

The log is quiet by default (config/logconfig.py): no per-tick, per-task or per-ingest-batch lines,
no Celery banners, mail written to files under .devdata/mail/ instead of the console, one line per
simulation. Once the web server answers, the demo logins and URLs are printed. ``LOG_LEVEL=DEBUG`` shows
everything as before.
"""

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def verbose() -> bool:
    return os.environ.get("LOG_LEVEL", "").upper() == "DEBUG"


def process_commands(python: str, port: str, schedule: Path, *, loud: bool) -> dict[str, str]:
    """The honcho processes; quiet unless ``loud`` (no banners, checks, progress bars)."""
    quiet = "" if loud else " -q"
    commands = {
        "web": f"{python} manage.py runserver 127.0.0.1:{port}" + ("" if loud else " --skip-checks"),
        "worker": f"{python} -m celery -A config{quiet} worker --concurrency=2",
        "beat": f"{python} -m celery -A config{quiet} beat -s {schedule}",
    }
    if (
        os.environ.get("DEMO_SIMULATOR", "1") == "1"
        and (BASE_DIR / "livestreams/management/commands/demo_live.py").exists()
    ):
        commands["simulator"] = f"{python} manage.py demo_live --base-url http://127.0.0.1:{port}" + (
            "" if loud else " --no-progress"
        )
    return commands


# Celery warns when its worker runs as root (as `make run` does in a dev container). The worker only
# accepts JSON (with pickle Celery would refuse to start as root, not warn). Only the dev stack's
# quiet environment drops this one message; production settings and LOG_LEVEL=DEBUG keep it, and a
# production worker should run as its own user anyway (docs/operations.md).
ROOT_WARNING = "ignore:You're running the worker with superuser privileges"


def quiet_environment(env: dict, data_dir: Path) -> dict:
    """Environment for the quiet default: mail to files, no runserver production warning."""
    env = dict(env)
    env.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS", ""), ROOT_WARNING]))
    if "EMAIL_BACKEND" not in env and not env.get("EMAIL_HOST"):
        env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
        env.setdefault("EMAIL_FILE_PATH", str(data_dir / "mail"))
    return env


def _print_when_up(url: str, text: str) -> None:
    """Print the banner once the web server answers, so it is not lost among the start-up lines."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - our own http://127.0.0.1 URL
            break
        except urllib.error.HTTPError:  # 503 "degraded" while the worker starts: the server is up
            break
        except OSError:
            time.sleep(0.5)
    print(f"\n{text}\n", flush=True)


def main() -> int:
    os.chdir(BASE_DIR)
    from config.embedded import DATA_DIR, Supervisor, ensure_services

    loud = verbose()
    embedded = {"redis": not os.environ.get("REDIS_URL"), "postgres": not os.environ.get("DATABASE_URL")}
    ensure_services()
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if not loud:
        env = quiet_environment(env, DATA_DIR)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", *([] if loud else ["-v", "0"])], check=True, env=env
    )
    seeded = subprocess.run(
        [python, "manage.py", "seed_demo"], check=True, env=env, capture_output=True, text=True
    )
    if loud:
        print(seeded.stdout, end="", flush=True)

    from honcho.manager import Manager

    manager = Manager()
    for name, command in process_commands(python, port, DATA_DIR / "celerybeat-schedule", loud=loud).items():
        manager.add_process(name, command, env=env)
    banner = seeded.stdout.split("Demo data ready.", 1)[-1].strip("\n")
    if not loud and env.get("EMAIL_FILE_PATH"):
        banner += f"\n  mail (invites, notices): files in {env['EMAIL_FILE_PATH']}/"
    banner += "\n\nLOG_LEVEL=DEBUG make run shows every tick, task and request. Ctrl-C stops everything."
    threading.Thread(
        target=_print_when_up, args=(f"http://127.0.0.1:{port}/healthz", banner), daemon=True
    ).start()
    # Restart an embedded Redis/PostgreSQL that dies while we run (servers given by URL are left alone).
    supervisor = Supervisor(**embedded).start() if any(embedded.values()) else None
    try:
        manager.loop()
    finally:
        if supervisor is not None:
            supervisor.stop()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
