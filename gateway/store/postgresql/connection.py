"""One pooled psycopg connection as the repositories use it: `execute` and
`executemany` with qmark parameters ("?"), the DB-API style the SQLite repositories
are written in, turned into psycopg's "%s" once per distinct statement.

The PostgreSQL repositories inherit every statement that means the same in both
dialects from their SQLite twins (one text, one contract suite run against both) and
override the few that do not (upserts, generated ids, SQLite's rowid and
sqlite_sequence, byte search, aggregates over conditions): each override says why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.adapt import Dumper


@lru_cache(maxsize=4096)
def to_format(sql: str) -> bytes:
    """qmark to psycopg's format style: a literal % is doubled, each ? becomes %s.
    (Our statements hold no "?" inside string literals.)"""
    return sql.replace("%", "%%").replace("?", "%s").encode()


class PgConnection:
    """The connection a unit of work's repositories share (one transaction)."""

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> psycopg.Cursor:
        if params is None:
            return self.raw.execute(sql.encode())
        return self.raw.execute(to_format(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor:
        """Every row in one pipeline (psycopg sends them without waiting for each)."""
        cursor = self.raw.cursor()
        cursor.executemany(to_format(sql), rows)
        return cursor


class _FlagDumper(Dumper):
    """A Python bool as the 0/1 flag the schema keeps (as SQLite stores it): the
    repositories pass a bool where SQLite took one as an integer."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


def configure(conn: psycopg.Connection) -> None:
    """Set up a new pooled connection."""
    conn.adapters.register_dumper(bool, _FlagDumper)
