"""Numbered migrations: applied once, in order, each all-or-nothing."""

from __future__ import annotations

import sqlite3

import pytest

from gateway.store import database
from gateway.store.database import Database, migration_scripts


def test_migrations_are_numbered_without_gaps_and_apply_to_an_empty_file(tmp_path):
    numbers = [n for n, _, _ in migration_scripts()]
    assert numbers == list(range(1, len(numbers) + 1))
    db = Database(tmp_path / "node.sqlite")
    applied = [r[0] for r in db.conn.execute("SELECT number FROM schema_migrations")]
    assert applied == numbers
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_reopening_applies_nothing_twice(tmp_path):
    Database(tmp_path / "node.sqlite").close()
    again = Database(tmp_path / "node.sqlite")
    assert again.migrate() == []
    again.close()


def test_a_failing_migration_leaves_the_previous_schema_intact(tmp_path, monkeypatch):
    Database(tmp_path / "node.sqlite").close()
    good = migration_scripts()
    broken = (
        len(good) + 1,
        f"{len(good) + 1:04d}_broken.sql",
        "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);",
    )
    monkeypatch.setattr(database, "migration_scripts", lambda: [*good, broken])
    with pytest.raises(sqlite3.OperationalError):
        Database(tmp_path / "node.sqlite")
    conn = sqlite3.connect(tmp_path / "node.sqlite")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half_done" not in tables
    assert conn.execute("SELECT max(number) FROM schema_migrations").fetchone()[0] == len(good)


def test_lean_received_entries_keep_every_row_and_turn_expiry_into_epoch_seconds(
    tmp_path, monkeypatch
):
    """A node that synced under schema 2 keeps what it holds across migration 3."""
    path = tmp_path / "node.sqlite"
    scripts = migration_scripts()
    monkeypatch.setattr(database, "migration_scripts", lambda: scripts[:2])
    Database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO received_entries VALUES "
        "('agr', 'e1', 'be-gent', 1, 7, x'0a01', x'00', 3, 0, 'stolen_vehicle', x'ab', "
        "NULL, NULL, '2026-12-01T10:00:00.123456+00:00')"
    )
    conn.commit()
    conn.close()
    monkeypatch.setattr(database, "migration_scripts", lambda: scripts)
    db = Database(path)
    rows = db.conn.execute(
        "SELECT agreement_id, entry_id, leaf, checkpoint_id, leaf_index, category, "
        "plate_token, expires_at FROM received_entries"
    ).fetchall()
    db.close()
    assert rows == [("agr", "e1", b"\x0a\x01", 3, 0, "stolen_vehicle", b"\xab", 1796119200)]
