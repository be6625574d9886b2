"""Persistence: one SQLite file per node, via sqlite-utils, with numbered migrations."""
