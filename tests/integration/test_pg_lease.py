"""The PostgreSQL lease: a session advisory lock on a connection of the node's own. One
holder at a time per database, who holds it is visible by node id, and a session that
ends (killed node, lost primary) is a lost lease. A real server (tests/pg_servers.py)."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from gateway.store.postgresql.lease import APPLICATION_PREFIX, PostgresLease


@pytest.fixture
def database(pg_server):
    name = f"lease_{uuid.uuid4().hex[:12]}"
    conninfo = pg_server.create_database(name)
    yield conninfo
    pg_server.drop_database(name)


def test_one_node_holds_the_lease_and_the_standby_takes_it_once_released(database, pg_server):
    active, standby = PostgresLease(database, "be-gent"), PostgresLease(database, "be-gent")
    try:
        assert active.try_acquire()
        assert not standby.try_acquire()
        assert active.still_held() and not standby.still_held()
        assert standby.holder() == "be-gent from 127.0.0.1/32"
        # Another database of the same server is another port: its lease is free.
        other = pg_server.create_database("lease_other_port")
        elsewhere = PostgresLease(other, "nl-terneuzen")
        assert elsewhere.try_acquire()
        elsewhere.release()
        pg_server.drop_database("lease_other_port")
        active.release()
        assert not active.still_held()
        assert standby.try_acquire() and standby.still_held()
        assert standby.holder() is not None
    finally:
        active.release()
        standby.release()


def test_a_session_that_ends_is_a_lost_lease_and_frees_it(database):
    active, standby = PostgresLease(database, "be-gent"), PostgresLease(database, "be-gent")
    try:
        assert active.try_acquire()
        with psycopg.connect(database, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (APPLICATION_PREFIX + "be-gent",),
            ).fetchall()
        assert killed == [(True,)]
        assert not active.still_held()
        assert standby.try_acquire()
    finally:
        active.release()
        standby.release()


def test_an_unreachable_server_is_no_lease_and_its_log_line_names_no_password(pg_server, capsys):
    dead = pg_server.conninfo().replace(f"port={pg_server.port}", "port=1")
    assert f"password={pg_server.password}" in pg_server.conninfo()
    lease = PostgresLease(dead, "be-gent")
    assert not lease.try_acquire()
    assert not lease.still_held()
    assert lease.holder() is None
    captured = capsys.readouterr()
    assert pg_server.password not in captured.out + captured.err
