"""The PostgreSQL lease: a session advisory lock on a connection of the node's own. One
holder at a time per database, who holds it is visible by node id, and a session that
ends (killed node, lost primary) is a lost lease. A real server (tests/pg_servers.py)."""

from __future__ import annotations

import json
import shutil
import uuid

import psycopg
import pytest

from gateway.federation import LocalFederation, LocalNode
from gateway.node.standby import EXIT_LEASE_LOST
from gateway.store.postgresql.lease import APPLICATION_PREFIX, LEASE_KEY, PostgresLease
from tests.integration.hits_support import configure


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


def test_a_node_whose_lease_session_is_cut_exits_at_once_and_the_standby_takes_over(
    pg_server, certs, tmp_path
):
    """Two real `argos serve` of be-gent on one PostgreSQL database; the server ends the
    active node's lease session (as a lost network or a restarted primary would)."""
    name = f"lease_node_{uuid.uuid4().hex[:12]}"
    pg_server.create_database(name)
    password = tmp_path / "pg.password"
    shutil.copyfile(pg_server.password_file, password)
    password.chmod(0o600)
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent",))
    gent = federation["be-gent"]
    gent.postgresql_dsn, gent.postgresql_password_file = pg_server.dsn(name), password
    federation.ensure_certs()
    gent.init()
    configure(gent, lease_check_s=0.2)
    shutil.copytree(gent.home, tmp_path / "be-gent-b")
    other = LocalNode("be-gent", tmp_path / "be-gent-b", certs, port=gent.port)
    try:
        gent.start()
        other.launch()
        other.wait_log("node.standby")
        waiting = other.argos("status", check=False)
        assert waiting.returncode == 6
        assert "be-gent is the standby, waiting for the lease (held by be-gent" in waiting.stderr
        with psycopg.connect(pg_server.conninfo(name), autocommit=True) as admin:
            cut = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND granted AND ((classid::bigint << 32) | objid::bigint) = %s",
                (LEASE_KEY,),
            ).fetchall()
        assert cut == [(True,)]
        assert gent.process.wait(timeout=30) == EXIT_LEASE_LOST
        lost = [
            json.loads(line)
            for line in gent.log_path.read_text().splitlines()
            if '"node.lease_lost"' in line
        ]
        assert [entry["node_id"] for entry in lost] == ["be-gent"]
        gent.process = None
        other.wait_ready()
        assert other.argos("status").stdout.startswith("node            be-gent at ")
        assert "audit log intact" in other.argos("audit", "verify").stdout
        for log in (gent.log_path, other.log_path):
            assert pg_server.password not in log.read_text()
    finally:
        other.stop()
        gent.stop()
        pg_server.drop_database(name)
