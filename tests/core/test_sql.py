"""core.sql: the hot-path statements are really prepared on the server (Django turns psycopg's preparing
off for its connections, which made ``prepare=True`` a silent no-op), and Django's own queries are not."""

import pytest
from django.db import connection

from core import sql

pytestmark = pytest.mark.django_db


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_fetchone_prepares_its_statement_once_and_reuses_it():
    first = sql.fetchone("SELECT %(n)s::int + 1 AS yizhan_prepared_probe", {"n": 1})
    second = sql.fetchone("SELECT %(n)s::int + 1 AS yizhan_prepared_probe", {"n": 41})

    assert (first, second) == ((2,), (42,))
    probes = [s for s in _prepared() if "yizhan_prepared_probe" in s]
    assert probes == ["SELECT $1::int + 1 AS yizhan_prepared_probe"]


def test_django_queries_stay_unprepared():
    sql.fetchone("SELECT 1 AS yizhan_prepared_probe", [])
    with connection.cursor() as cursor:
        for _ in range(10):
            cursor.execute("SELECT 2 AS yizhan_orm_probe")

    assert not [s for s in _prepared() if "yizhan_orm_probe" in s]


@pytest.mark.django_db(transaction=True)  # BEGIN … COMMIT of its own: outside the test's transaction
def test_fetchone_in_transaction_prepares_its_statements():
    row = sql.fetchone_in_transaction(
        [("SELECT 1 AS yizhan_tx_probe_a", []), ("SELECT %s::int AS yizhan_tx_probe_b", [7])]
    )

    assert row == (7,)
    assert len([s for s in _prepared() if "yizhan_tx_probe" in s]) == 2


def test_a_hot_path_statement_counts_as_the_requests_health_check():
    # CONN_HEALTH_CHECKS would spend a round trip on SELECT 1 before the next Django cursor of the request;
    # a statement that just ran proves the connection usable.
    connection.ensure_connection()
    connection.health_check_done = False  # as at the start of a request on a reused connection
    assert connection.health_check_enabled

    sql.fetchone("SELECT 1 AS yizhan_health_probe", [])

    assert connection.health_check_done


def _kill_this_connections_backend() -> None:
    """As a server restart or an idle-connection reaper would: the backend of Django's connection ends."""
    import psycopg

    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    backend = connection.connection.info.backend_pid
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])


def _first_of_a_request_on_a_dead_connection() -> int:
    sql.fetchone("SELECT 1", [])  # connected
    before = connection.connection.info.backend_pid
    _kill_this_connections_backend()
    connection.health_check_done = False  # as request_started leaves it (the test client skips that)
    return before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("way", ["fetchone", "transaction_opened_by", "fetchone_in_transaction"])
def test_a_requests_first_statement_on_a_dead_connection_reconnects_and_runs(way):
    before = _first_of_a_request_on_a_dead_connection()

    if way == "fetchone":
        row = sql.fetchone("SELECT %s::int AS yizhan_reconnect_probe", [5])
    elif way == "transaction_opened_by":
        with sql.transaction_opened_by("SELECT %s::int AS yizhan_reconnect_probe", [5]) as rows:
            row = rows[0]
    else:
        row = sql.fetchone_in_transaction([("SELECT %s::int AS yizhan_reconnect_probe", [5])])

    assert row == (5,)
    assert connection.connection.info.backend_pid != before


@pytest.mark.django_db(transaction=True)
def test_a_dead_connection_later_in_a_request_is_an_error_not_a_silent_retry():
    from django.db import OperationalError

    _first_of_a_request_on_a_dead_connection()
    connection.health_check_done = True  # a statement of this request already ran

    with pytest.raises(OperationalError):
        sql.fetchone("SELECT 1 AS yizhan_reconnect_probe", [])
    connection.close()
