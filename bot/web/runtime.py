"""What the web server reads from the running bot: the store, the settings, the engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.store import Database, Tx

if TYPE_CHECKING:
    from bot.archive.service import ArchiveService
    from bot.delivery import DeliveryEngine
    from bot.delivery.links import LinkWatch
    from bot.transports.base import Transport


class ReadView:
    """Page queries on a read-only connection of their own: a barometer over a year of
    activity never holds the writer lock that commands and deliveries wait for.

    One connection, one transaction at a time: requests take turns (pages are short).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        async with self._lock, self._db.reading() as tx:
            yield tx


@dataclass
class Runtime:
    db: Database
    """The writer: logins, sessions, visit counts, actions."""
    reader: ReadView
    settings: Settings
    engine: DeliveryEngine | None = None
    transports: Mapping[str, Transport] = field(default_factory=dict)
    archive: ArchiveService | None = None
    on_commit: Callable[[], None] = lambda: None
    """Wakes the engine, the archive and the timers after a web action commits."""
    clock: Callable[[], float] = time.time
    links: LinkWatch | None = None
    """The process's watch over its platforms (one per process, shared with the heartbeat)."""
