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
