"""The store is the truth: aiosqlite repositories and numbered migrations. SQL lives here only."""

from bot.store.database import Database, Migration, SchemaTooNew, known_migrations
from bot.store.outbox import OutboxRow, PlatformCounts, Priority
from bot.store.transaction import Tx

__all__ = [
    "Database",
    "Migration",
    "OutboxRow",
    "PlatformCounts",
    "Priority",
    "SchemaTooNew",
    "Tx",
    "known_migrations",
]
