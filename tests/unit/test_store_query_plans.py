"""Lookups that run once per entry in a million-entry import, projection or sync must find
their rows through an index, never by walking a table: checked on SQLite's own query
plan for the migrated schema (a plan, not a timing)."""

from __future__ import annotations

import sqlite3

from gateway.store.sqlite import SqliteStore, feed


def _plan(conn: sqlite3.Connection, sql: str, params: tuple) -> str:
    return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_the_projector_looks_entries_up_in_a_feed_by_entry_id(tmp_path):
    store = SqliteStore(tmp_path / "node.sqlite", "be-gent")
    store.close()
    conn = sqlite3.connect(tmp_path / "node.sqlite", isolation_level=None)
    # A feed with rows, so the planner has something to choose between.
    conn.executemany(
        "INSERT INTO feed (agreement_id, seq, entry_id, agreement_version, live, leaf, "
        "leaf_hash, content_hash, expires_at) VALUES ('a', ?, ?, 1, 1, x'00', x'00', x'00', "
        "'2030-01-01T00:00:00+00:00')",
        [(i, f"entry-{i:06d}") for i in range(1, 2001)],
    )
    ids = tuple(f"entry-{i:06d}" for i in range(1, 501))
    plan = _plan(conn, feed.live_hashes_sql(len(ids)), ("a", *ids))
    assert "USING INDEX feed_entry (agreement_id=? AND entry_id=?)" in plan
    conn.close()
    store = SqliteStore(tmp_path / "node.sqlite", "be-gent")
    with store.read() as uow:
        found = uow.feed.live_hashes("a", [*ids[:3], "entry-999999"])
    assert found.keys() == set(ids[:3])
    store.close()
