"""Which gunicorn worker model: the same loads against each candidate, same run, same machine.

For each model (the old documented ``-w 4`` sync workers, and gthread shapes) it starts the production
command with that model's environment and measures, with 50 keep-alive clients for
BENCH_SERVER_SECONDS each: the public apply endpoint (PostgreSQL + Redis), the bare JSON endpoint, and
a trivial endpoint's p99 polled by one client while the 50 clients apply (does a phone's poll queue
behind the crowd?). The default in config/gunicorn.conf.py is chosen from these figures.
Run: make bench BENCH=server
"""

from __future__ import annotations

import json
import os
import subprocess
import threading

from benchmarks import harness
from benchmarks.bench_apply import PY, ROOT, SEED

SECONDS = float(os.environ.get("BENCH_SERVER_SECONDS", "4"))
CLIENTS = 50
REDIS_DB = 12
MODELS = [
    ("sync -w 4 (former docs)", {"GUNICORN_WORKER_CLASS": "sync", "WEB_CONCURRENCY": "4"}),
    ("gthread 2 × 8", {"GUNICORN_WORKER_CLASS": "gthread", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "8"}),
    ("gthread 4 × 8", {"GUNICORN_WORKER_CLASS": "gthread", "WEB_CONCURRENCY": "4", "GUNICORN_THREADS": "8"}),
]


def main() -> None:
    with harness.throwaway_database("bench_server") as db_url:
        env = harness.server_env(
            db_url, REDIS_DB, JOBS_APPLY_LIMIT_IP="1000000000", JOBS_APPLY_LIMIT_PHONE="1000000"
        )
        try:
            harness.migrate(env)
            code = subprocess.run(
                [PY, "manage.py", "shell", "-c", SEED],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            print(harness.machine_line())
            counter = iter(range(10**9))

            def apply(i):
                body = json.dumps({"code": code, "name": "压测", "phone": f"139{next(counter):08d}"}).encode()
                return "POST", "/api/v1/jobs/apply/", body, {"Content-Type": "application/json"}

            for label, extra in MODELS:
                with harness.Server({**env, **extra}) as server:
                    bare = harness.closed_loop(
                        server.port,
                        lambda i: ("GET", "/bench/json", None, {}),
                        clients=CLIENTS,
                        seconds=SECONDS,
                    )
                    polls: list = []
                    stop = threading.Event()

                    def poll(port=server.port, polls=polls, stop=stop):
                        while not stop.is_set():
                            r = harness.closed_loop(
                                port, lambda i: ("GET", "/bench/json", None, {}), clients=1, requests=1
                            )
                            polls.extend(r.latencies)
                            stop.wait(0.05)

                    poller = threading.Thread(target=poll)
                    poller.start()
                    real = harness.closed_loop(server.port, apply, clients=CLIENTS, seconds=SECONDS)
                    stop.set()
                    poller.join()
                print(
                    f"{label:<24} apply {real.rate:6.0f}/s p99 {real.ms(99):6.1f} ms | bare JSON {bare.rate:6.0f}/s "
                    f"p99 {bare.ms(99):6.1f} ms | poll during apply p99 {harness.pct(polls, 99) * 1000:6.1f} ms "
                    f"({len(polls)} polls) | apply/bare {real.rate / bare.rate:.2f}"
                )
        finally:
            harness.flush_redis(REDIS_DB)


if __name__ == "__main__":
    main()
