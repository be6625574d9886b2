"""The embedded default store: SQLite through one writer connection and WAL readers,
numbered migrations in migrations/, one repository module per aggregate."""

from gateway.store.sqlite.database import SqliteStore, migration_scripts

__all__ = ["SqliteStore", "migration_scripts"]
