"""Opening a PostgreSQL store (issue 19) on the session's real server: two nodes
starting together on a fresh database migrate it once between them, and a store that
cannot connect says where it tried and never what the password was."""

from __future__ import annotations

import threading

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from gateway.domain.errors import BackendUnavailable
from gateway.store.postgresql import PostgresStore, migration_scripts

NODE = "be-gent"


def test_two_stores_opening_a_fresh_database_together_migrate_it_once(pg_server):
    conninfo = pg_server.create_database("migrate_together")
    start = threading.Barrier(2)
    opened: list[PostgresStore] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            start.wait(timeout=30)
            opened.append(PostgresStore(conninfo, NODE, pool_size=1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors and len(opened) == 2
        with psycopg.connect(conninfo) as conn:
            numbers = [r[0] for r in conn.execute("SELECT number FROM schema_migrations")]
        assert sorted(numbers) == [n for n, _, _ in migration_scripts()]
        with opened[0].write() as uow:
            uow.alert_log.append("feed", "a", _now(), b"x")
            uow.commit()
        with opened[1].read() as uow:
            assert [a.subject for a in uow.alert_log.after(0, 10)] == ["a"]
    finally:
        for store in opened:
            store.close()
        pg_server.drop_database("migrate_together")


def test_a_store_that_cannot_connect_names_the_server_not_the_password(pg_server):
    conninfo = make_conninfo(
        host="127.0.0.1",
        port=str(pg_server.port),
        dbname="postgres",
        user="postgres",
        password="not-the-Password-42",
    )
    with pytest.raises(BackendUnavailable) as refused:
        PostgresStore(conninfo, NODE)
    message = str(refused.value)
    assert f"host=127.0.0.1 port={pg_server.port} dbname=postgres" in message
    assert "password authentication failed" in message
    assert "not-the-Password-42" not in message


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0)
