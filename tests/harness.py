"""An in-process bot for core tests: real store, dispatcher and engine, fake transport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.commands import CommandDispatcher, Registry, Router
from bot.config import MembersSettings, NetworkSettings, Settings
from bot.delivery import DeliveryEngine
from bot.store import Database
from handlers import ROUTERS
from tests.fakes.recording_transport import RecordingTransport


@dataclass
class Bot:
    db: Database
    transport: RecordingTransport
    engine: DeliveryEngine
    dispatcher: CommandDispatcher

    async def say(self, chat: str, user: str, text: str, *, private: bool = False) -> None:
        await self.transport.say(chat, user, text, private=private)
        assert await self.engine.wait_idle(10)


OPEN_JOIN = MembersSettings(open_join=True)
"""For tests about something else than vetting: `join` admits at once."""


@asynccontextmanager
async def running_bot(tmp_path: Path, admins: frozenset[str] = frozenset({"fake:alice"}),
                      transport: RecordingTransport | None = None,
                      extra: tuple[Router, ...] = (), **sections: object) -> AsyncIterator[Bot]:
    """`sections` replace parts of the settings: `members=OPEN_JOIN`, `alerts=AlertsSettings(…)`."""
    transport = transport or RecordingTransport()
    async with Database.open(tmp_path / "bot.db", admins) as db:
        await db.migrate()
        engine = DeliveryEngine(db, {transport.platform: transport})
        dispatcher = CommandDispatcher(
            db, Registry((*ROUTERS, *extra)),
            Settings(source=tmp_path / "riposte.toml",
                     network=NetworkSettings(lang="fr", admins=tuple(admins)),
                     **sections),  # type: ignore[arg-type]
            {transport.platform: transport.limits}, on_commit=engine.wake,
        )
        await transport.start(dispatcher)
        dispatcher.set_bot_name(transport.platform, transport.bot_username)
        task = asyncio.create_task(engine.run())
        try:
            yield Bot(db, transport, engine, dispatcher)
        finally:
            engine.stop()
            await asyncio.wait_for(task, 10)
