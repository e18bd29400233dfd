"""The decision log (SQLite, sqlite-utils)."""

from cscore.store.store import DecisionStore, default_db_path, parse_age

__all__ = ["DecisionStore", "default_db_path", "parse_age"]
