"""What "a present viewer" means, for the live counters and the stored results alike.

A viewer is present from a join or heartbeat until their next presence event, but at most
``PRESENCE_TIMEOUT_SECONDS`` without a heartbeat. ``counters`` (live, Redis) and ``results`` (final,
PostgreSQL; it also owns the per-minute concurrency query that ``counters.rebuild`` reuses) both read
this one definition, so neither imports the other for it.
"""

PRESENCE_TIMEOUT_SECONDS = 300  # a viewer with no heartbeat for 5 minutes has gone
