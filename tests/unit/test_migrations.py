"""Numbered migrations: applied once, in order, each all-or-nothing."""

from __future__ import annotations

import sqlite3

import pytest

from gateway.store.sqlite import database
from gateway.store.sqlite.database import SqliteStore, migration_scripts


def Database(path):
    return SqliteStore(path, "be-gent")


def _conn(store: SqliteStore) -> sqlite3.Connection:
    return store._conn


def test_migrations_are_numbered_without_gaps_and_apply_to_an_empty_file(tmp_path):
    numbers = [n for n, _, _ in migration_scripts()]
    assert numbers == list(range(1, len(numbers) + 1))
    db = Database(tmp_path / "node.sqlite")
    applied = [r[0] for r in _conn(db).execute("SELECT number FROM schema_migrations")]
    assert applied == numbers
    assert _conn(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
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
    rows = (
        _conn(db)
        .execute(
            "SELECT agreement_id, entry_id, leaf, checkpoint_id, leaf_index, category, "
            "plate_token, expires_at FROM received_entries"
        )
        .fetchall()
    )
    db.close()
    assert rows == [("agr", "e1", b"\x0a\x01", 3, 0, "stolen_vehicle", b"\xab", 1796119200)]


def test_one_time_form_rewrites_isoformat_times_and_keeps_partner_keys_by_key_id(
    tmp_path, monkeypatch
):
    """A node made under schema 6 (times written by isoformat, one key per partner)
    keeps everything across migration 7, in the one stored time form."""
    path = tmp_path / "node.sqlite"
    scripts = migration_scripts()
    monkeypatch.setattr(database, "migration_scripts", lambda: scripts[:6])
    Database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO entries VALUES ('e1', '1ABC123', '1-ABC-123', 'BE', 'stolen_vehicle', "
        "'seize', '[]', '', '', 'PV-1', '2026-12-01T10:00:00.123456+00:00', "
        "'2026-12-31T00:00:00+01:00', 1, 0, 'ivan', '2026-12-01T10:00:00.123Z', 1, NULL)"
    )
    conn.execute(
        "INSERT INTO partners VALUES ('nl-terneuzen', 'localhost:1', ?, 'ed25519:ab', "
        "'CA', '', '2026-12-01T10:00:00.000Z')",
        (b"\x01" * 32,),
    )
    conn.execute(
        "INSERT INTO agreements VALUES ('agr', 'nl-terneuzen', NULL, NULL, '', "
        "'2026-12-02T08:00:00.5+00:00')"
    )
    conn.commit()
    conn.close()
    monkeypatch.setattr(database, "migration_scripts", lambda: scripts)
    db = Database(path)
    entry = _conn(db).execute("SELECT valid_from, expires_at FROM entries").fetchone()
    status = _conn(db).execute("SELECT partner_status_at FROM agreements").fetchone()
    keys = _conn(db).execute("SELECT node_id, key_id, public_key FROM partner_keys").fetchall()
    with db.read() as uow:
        partner = uow.partners.get("nl-terneuzen")
    db.close()
    assert entry == ("2026-12-01T10:00:00.123Z", "2026-12-30T23:00:00.000Z")
    assert status == ("2026-12-02T08:00:00.500Z",)
    assert keys == [("nl-terneuzen", "ed25519:ab", b"\x01" * 32)]
    assert partner is not None and [k.raw for k in partner.keys] == [b"\x01" * 32]


def test_users_made_before_their_lifetime_was_kept_stay_active_with_no_expiry(
    tmp_path, monkeypatch
):
    """Users of a node made before the user-lifetime migration keep working: active,
    their token without expiry, never used, no token retired."""
    path = tmp_path / "node.sqlite"
    scripts = migration_scripts()
    lifetime = next(n for n, name, _ in scripts if name.endswith("_user_lifetime.sql"))
    monkeypatch.setattr(database, "migration_scripts", lambda: scripts[: lifetime - 1])
    Database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO users VALUES ('ivan', 'investigator', 'hash-ivan', '2026-12-01T10:00:00.000Z')"
    )
    conn.commit()
    conn.close()
    monkeypatch.setattr(database, "migration_scripts", lambda: scripts)
    db = Database(path)
    with db.read() as uow:
        [ivan] = uow.users.all()
        assert uow.users.by_token_hash("hash-ivan") == ivan
        assert uow.users.by_retired_token_hash("hash-ivan") is None
    db.close()
    assert (ivan.state.value, ivan.token_expires_at, ivan.last_used_at) == ("active", None, None)
