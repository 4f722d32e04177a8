"""Hot-path SQL: one statement, planned once per connection.

Django's psycopg backend binds parameters on the client, so PostgreSQL plans every statement anew. For
the few hand-written statements on hot paths (a CTE that resolves, checks and writes in one round trip)
planning costs more than executing (about 0.7 ms against 0.1 ms for the apply statement). ``fetchone``
runs such a statement as a server-side prepared statement on Django's own connection (the same
transaction, persistent through CONN_MAX_AGE), so it is planned once per connection; database errors
surface as Django's, as with ``connection.cursor()``.

Django opens its psycopg connections with ``prepare_threshold=None`` (so that connection poolers in
transaction mode keep working), and psycopg then ignores ``prepare=True``: until 2026-12 these statements
were silently planned on every execution (1.25 ms per apply instead of 0.41 ms, measured). ``_pg`` lifts
that on the connection for our explicit statements only: Django's own cursors bind on the client and are
never prepared, whatever the threshold. Behind PgBouncer in transaction mode, use 1.21 or later with
``max_prepared_statements`` set (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import psycopg
from django.db import DatabaseError, connection, transaction

T = TypeVar("T")

# Never reached by a query that is not explicitly prepared (and Django's client-side cursors never are).
_EXPLICIT_ONLY = 2**31 - 1


def _pg() -> psycopg.Connection:
    connection.ensure_connection()
    pg = connection.connection
    if pg.prepare_threshold is None:
        pg.prepare_threshold = _EXPLICIT_ONLY
    return pg


def _answered() -> None:
    """A statement just ran on this connection: it is usable, so the Django cursors later in this request
    need not spend a round trip on CONN_HEALTH_CHECKS' ``SELECT 1`` (the flag is reset per request)."""
    connection.health_check_done = True


def _on_live_connection(run: Callable[[psycopg.Connection], T]) -> T:
    """``run(pg)`` on Django's connection. When it is this request's first statement and the connection
    turns out dead (the server restarted, the backend was killed, a pooler dropped it), connect anew and
    run it once more, as CONN_HEALTH_CHECKS' ``SELECT 1`` would have found out first for a Django cursor
    (our hot paths skip that round trip). The first try did nothing: a dead connection runs no statement,
    and a transaction it had begun never committed."""
    first = connection.health_check_enabled and not connection.health_check_done
    first = first and not connection.in_atomic_block
    pg = _pg()
    try:
        with connection.wrap_database_errors:
            result = run(pg)
    except DatabaseError:
        if not (first and (pg.closed or pg.broken)):
            raise
        connection.close()
        with connection.wrap_database_errors:
            result = run(_pg())
    _answered()
    return result


def _prepared(sql: str, params: dict | list, fetch: str):
    def run(pg: psycopg.Connection):
        with psycopg.Cursor(pg) as cursor:
            cursor.execute(sql, params, prepare=True)
            return getattr(cursor, fetch)()

    return _on_live_connection(run)


def fetchone(sql: str, params: dict | list) -> tuple | None:
    """Execute ``sql`` (``%(name)s`` / ``%s`` placeholders) prepared; return its first row."""
    return _prepared(sql, params, "fetchone")


def fetchall(sql: str, params: dict | list) -> list[tuple]:
    """Execute ``sql`` prepared (in the transaction Django's connection is in, if any); return every row."""
    return _prepared(sql, params, "fetchall")


def fetchone_in_transaction(statements: list[tuple[str, dict | list]]) -> tuple | None:
    """BEGIN, the statements (prepared), COMMIT in one round trip (psycopg pipeline mode); the last
    statement's first row, or None when a statement before it returned no row.

    For a short transaction whose locks should be held only while PostgreSQL works: nothing waits on
    Python between the statements and the commit. Outside any ``atomic`` block only (Django's connection
    is then in autocommit). On an error the transaction is rolled back and the error raised as Django's.
    """

    def run(pg: psycopg.Connection) -> list[tuple | None]:
        cursors = []
        try:
            with pg.pipeline() as pipeline:
                pg.execute("BEGIN")
                for sql, params in statements:
                    cursor = psycopg.Cursor(pg)
                    cursor.execute(sql, params, prepare=True)
                    cursors.append(cursor)
                pg.execute("COMMIT")
                pipeline.sync()
                return [cursor.fetchone() for cursor in cursors]
        except Exception:
            _rollback(pg)
            raise
        finally:
            for cursor in cursors:
                cursor.close()

    rows = _on_live_connection(run)
    if any(row is None for row in rows[:-1]):
        return None
    return rows[-1]


def _rollback(pg: psycopg.Connection) -> None:
    """End the transaction a failed block left open (nothing to do on a dead connection)."""
    if pg.closed or pg.broken:
        return
    if pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        with connection.wrap_database_errors:
            pg.execute("ROLLBACK")


@contextmanager
def transaction_opened_by(sql: str, params: dict | list) -> Iterator[list[tuple]]:
    """A transaction opened by one statement (prepared), outside Django's transaction management: yields
    the statement's rows; COMMIT when the block ends, ROLLBACK when it raises.

    Not in a psycopg pipeline with the BEGIN: pipeline mode saves the round trip's wait but not its
    client CPU, which is what a loaded server runs out of (on a bare psycopg connection, BEGIN + INSERT +
    COMMIT cost 0.42 ms of client CPU pipelined against 0.29 ms one by one; on Django's connection the
    ways are within noise of each other: ``benchmarks.profile_ingest_single``).

    Inside an ``atomic`` block (a caller's transaction, a test's) it is a savepoint around the statement
    instead. Between the statement and the commit the block may run more statements through this module
    or a Django cursor, but no ``transaction.atomic`` (Django does not know about this transaction and
    would try to start its own) and so no ORM write that opens one (``update_or_create`` …).
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            yield fetchall(sql, params)
        return

    def begin(pg: psycopg.Connection) -> list[tuple]:
        try:
            with psycopg.Cursor(pg) as cursor:
                cursor.execute("BEGIN")
                cursor.execute(sql, params, prepare=True)
                return cursor.fetchall()
        except BaseException:
            _rollback(pg)
            raise

    rows = _on_live_connection(begin)
    pg = connection.connection
    try:
        yield rows
    except BaseException:
        _rollback(pg)
        raise
    with connection.wrap_database_errors, psycopg.Cursor(pg) as cursor:
        cursor.execute("COMMIT")
