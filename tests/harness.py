"""An in-process bot for core tests: real store, dispatcher, engine and timers, fake transports.

With `clock`, timers follow that clock and fire only when a test calls
`bot.fire_timers()` (no waiting); without, APScheduler fires them in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.commands import CommandDispatcher, Registry, Router
from bot.config import MembersSettings, NetworkSettings, Settings
from bot.delivery import DeliveryEngine
from bot.digests import DigestSetup, DigestTimers
from bot.pushes import PushService, PushSetup
from bot.scheduler import TimerService
from bot.store import Database
from bot.tasks import TaskSetup, TaskTimers
from handlers import ROUTERS
from tests.fakes.engines import target_for
from tests.fakes.recording_transport import RecordingTransport


@dataclass
class Bot:
    db: Database
    transport: RecordingTransport
    engine: DeliveryEngine
    dispatcher: CommandDispatcher
    timers: TimerService
    transports: dict[str, RecordingTransport]
    pushes: PushService

    async def say(
        self, chat: str, user: str, text: str, *, private: bool = False, on: str | None = None
    ) -> None:
        transport = self.transports[on] if on else self.transport
        await transport.say(chat, user, text, private=private)
        assert await self.engine.wait_idle(10)

    async def fire_timers(self) -> int:
        """Fire what is due by the test's clock, then deliver what that promised (social
        posts included)."""
        fired = await self.timers.fire_due()
        await asyncio.wait_for(self.pushes.sender.idle(), 10)
        self.engine.wake()
        assert await self.engine.wait_idle(10)
        return fired


OPEN_JOIN = MembersSettings(open_join=True)
"""For tests about something else than vetting: `join` admits at once."""


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    admins: frozenset[str] = frozenset({"fake:alice"}),
    transport: RecordingTransport | None = None,
    extra: tuple[Router, ...] = (),
    *,
    others: tuple[RecordingTransport, ...] = (),
    clock: Callable[[], float] | None = None,
    posters: dict[Any, Any] | None = None,
    **sections: Any,
) -> AsyncIterator[Bot]:
    """`sections` replace parts of the settings: `members=OPEN_JOIN`,
    `alerts=AlertsSettings(...)`, `escalation=...`."""
    transport = transport or RecordingTransport()
    transports = {t.platform: t for t in (transport, *others)}
    settings = Settings(
        source=tmp_path / "riposte.toml",
        network=NetworkSettings(lang="fr", admins=tuple(admins)),
        **sections,
    )
    async with Database.open(target_for(tmp_path), admins) as db:
        await db.migrate()
        engine = DeliveryEngine(db, transports)
        limits = {name: t.limits for name, t in transports.items()}
        pushes = PushService(
            db,
            PushSetup(settings, limits),
            posters=posters,
            clock=clock or time.time,
            on_commit=engine.wake,
        )

        def after_timer() -> None:
            engine.wake()
            pushes.wake()

        timers = TimerService(db, clock=clock or time.time, on_commit=after_timer)
        TaskTimers(TaskSetup(settings, limits)).register(timers)
        DigestTimers(DigestSetup.of(settings, limits)).register(timers)
        pushes.register(timers)

        def on_commit() -> None:
            engine.wake()
            timers.wake()
            pushes.wake()

        dispatcher = CommandDispatcher(
            db,
            Registry((*ROUTERS, *extra)),
            settings,
            limits,
            on_commit=on_commit,
            clock=clock or time.time,
        )
        for each in transports.values():
            await each.start(dispatcher)
            dispatcher.set_bot_name(each.platform, each.bot_username)
        task = asyncio.create_task(engine.run())
        timing = asyncio.create_task(timers.run()) if clock is None else None
        posting = asyncio.create_task(pushes.run())
        try:
            yield Bot(db, transport, engine, dispatcher, timers, transports, pushes)
        finally:
            pushes.stop()
            await asyncio.wait_for(posting, 10)
            timers.stop()
            if timing is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(timing, 10)
            engine.stop()
            await asyncio.wait_for(task, 10)
