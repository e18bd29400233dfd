"""The decision log (SQLite, sqlite-utils)."""

from cscore.store.store import DecisionStore

__all__ = ["DecisionStore"]
