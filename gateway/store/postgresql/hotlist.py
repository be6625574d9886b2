"""This node's own hotlist entries in PostgreSQL: the SQLite repository's statements,
and for a large save (an import of a whole list) the rows go in by binary COPY into a
transaction's temporary table and one INSERT ... ON CONFLICT from it, not a statement
per entry. A few entries (a person adding one) keep the plain pipelined upsert."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.domain.hotlist import HotlistEntry
from gateway.store.sqlite.hotlist import _COLUMNS, _INSERT, _UPSERT, SqliteOwnEntries, _row

BULK = 100  # entries from which a save goes through COPY
_ON_CONFLICT = _UPSERT[len(_INSERT) :]
_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS entries_stage "
    "(LIKE entries INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_COPY = f"COPY entries_stage ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"
_COPY_TYPES = (
    "text", "text", "text", "text", "text", "text", "text", "text", "text", "text",
    "text", "text", "int8", "int8", "text", "text", "int8", "text",
)  # fmt: skip


class PgOwnEntries(SqliteOwnEntries):
    def save(self, entries: Sequence[HotlistEntry], created_by: str) -> int:
        if len(entries) < BULK:
            return super().save(entries, created_by)
        now = self._uow.now_text()
        first = self._next_change_seqs(len(entries))
        raw = self._conn.raw
        raw.execute(_STAGE)
        with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            for i, e in enumerate(entries):
                copy.write_row(_row(e, created_by, now, first + i))
        raw.execute(
            f"INSERT INTO entries ({_COLUMNS}) SELECT {_COLUMNS} FROM entries_stage"
            f"{_ON_CONFLICT}".encode()
        )
        raw.execute("DELETE FROM entries_stage")  # a savepoint's rows leave with it too
        return len(entries)
