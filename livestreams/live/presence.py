"""What "a present viewer" means, for the live counters and the stored results alike.

A viewer is present from a join or heartbeat until their next presence event, but at most
``PRESENCE_TIMEOUT_SECONDS`` without a heartbeat. ``counters`` (live, Redis) and ``results`` (final,
PostgreSQL; it also owns the per-minute concurrency query that ``counters.rebuild`` reuses) both read
this one definition, so neither imports the other for it.
"""

PRESENCE_TIMEOUT_SECONDS = 300  # a viewer with no heartbeat for 5 minutes has gone

# The per-session advisory lock: ingest holds it shared from its insert to its commit; a counter rebuild
# and the aggregates fold take it exclusively to read a snapshot no ingest transaction is inside of.
ADVISORY_CLASS = 614_006


def advisory_lock(cursor, session_id, *, shared: bool) -> None:
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    cursor.execute(f"SELECT {fn}(%s, hashtext(%s))", [ADVISORY_CLASS, str(session_id)])
