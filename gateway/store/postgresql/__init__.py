"""The PostgreSQL store (issue 19): the Store port over a PostgreSQL database through
psycopg 3 and a connection pool, numbered migrations in migrations/, one repository
module per aggregate beside the SQLite store's (database.py says how writes, reads and
snapshots map onto PostgreSQL transactions)."""

from gateway.store.postgresql.database import PostgresStore, migration_scripts

__all__ = ["PostgresStore", "migration_scripts"]
