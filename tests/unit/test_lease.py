"""The SQLite lease (a flock beside the database) and the federation listener's refusal
to share its port: the two things that keep a port's second node from acting beside
the first on one machine."""

from __future__ import annotations

import os
from concurrent import futures

import grpc
import pytest

from gateway.node.tls import server_options
from gateway.store.sqlite.lease import SqliteLease, lease_path


def test_one_holder_at_a_time_and_the_waiting_one_takes_it_once_released(tmp_path):
    db = tmp_path / "node.sqlite"
    active, standby = SqliteLease(db, "nl-terneuzen"), SqliteLease(db, "nl-terneuzen")
    assert active.try_acquire()
    assert not standby.try_acquire()
    assert active.still_held() and not standby.still_held()
    assert standby.holder() == active.holder()
    assert active.holder().startswith(f"nl-terneuzen pid {os.getpid()} on ")
    active.release()
    assert not active.still_held()
    assert standby.try_acquire() and standby.still_held()
    assert not active.try_acquire()
    standby.release()


def test_a_removed_lock_file_is_a_lost_lease(tmp_path):
    """Else a second node would lock a new file at the same path beside the first."""
    db = tmp_path / "node.sqlite"
    lease = SqliteLease(db, "be-gent")
    assert lease.try_acquire()
    lease_path(db).unlink()
    assert not lease.still_held()
    newcomer = SqliteLease(db, "be-gent")
    assert newcomer.try_acquire()
    lease_path(db).unlink()
    lease_path(db).write_text("someone else\n")  # replaced: a different file
    assert not newcomer.still_held()
    lease.release()
    newcomer.release()


def test_two_names_of_one_database_share_one_lease(tmp_path):
    db = tmp_path / "node.sqlite"
    db.touch()
    (tmp_path / "alias.sqlite").symlink_to(db)
    first = SqliteLease(db, "be-gent")
    assert first.try_acquire()
    assert not SqliteLease(tmp_path / "alias.sqlite", "be-gent").try_acquire()
    first.release()


def test_a_second_server_cannot_listen_on_the_active_node_s_port():
    """gRPC's default SO_REUSEPORT would let a standby bind beside the active node."""
    options = server_options(4 * 1024 * 1024)
    first = grpc.server(futures.ThreadPoolExecutor(1), options=options)
    port = first.add_insecure_port("127.0.0.1:0")
    assert port
    first.start()
    second = grpc.server(futures.ThreadPoolExecutor(1), options=options)
    try:
        with pytest.raises(RuntimeError):
            if second.add_insecure_port(f"127.0.0.1:{port}") == 0:
                raise RuntimeError("not bound")
    finally:
        first.stop(None).wait()
        second.stop(None)
