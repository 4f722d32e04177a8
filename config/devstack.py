"""`make run`: embedded services (unless URLs are given) + migrate + seed + web, worker and beat.

honcho runs the three processes and relays Ctrl-C to them; when it returns, this process exits and the
embedded PostgreSQL and Redis it started stop with it (config/embedded.py). While it runs, a supervisor
thread starts an embedded server that died again (config.embedded.Supervisor).
"""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> int:
    os.chdir(BASE_DIR)
    from config.embedded import DATA_DIR, Supervisor, ensure_services

    embedded = {"redis": not os.environ.get("REDIS_URL"), "postgres": not os.environ.get("DATABASE_URL")}
    ensure_services()
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput"], check=True)
    subprocess.run([python, "manage.py", "seed_demo"], check=True)

    from honcho.manager import Manager

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    manager = Manager()
    manager.add_process("web", f"{python} manage.py runserver 127.0.0.1:{port}", env=env)
    manager.add_process(
        "worker", f"{python} -m celery -A config worker --loglevel=INFO --concurrency=2", env=env
    )
    manager.add_process(
        "beat",
        f"{python} -m celery -A config beat --loglevel=INFO -s {DATA_DIR / 'celerybeat-schedule'}",
        env=env,
    )
    if (
        os.environ.get("DEMO_SIMULATOR", "1") == "1"
        and (BASE_DIR / "livestreams/management/commands/demo_live.py").exists()
    ):
        manager.add_process(
            "simulator", f"{python} manage.py demo_live --base-url http://127.0.0.1:{port}", env=env
        )
    print(
        f"\n  Yizhan is starting at http://127.0.0.1:{port}/\n"
        f"  API docs: http://127.0.0.1:{port}/api/docs/   admin: http://127.0.0.1:{port}/admin/\n"
        "  Demo logins are listed above (password yizhan-demo). Ctrl-C stops everything.\n",
        flush=True,
    )
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
