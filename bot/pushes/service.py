"""The push engine as the app runs it: its timers, its sender, what servers say of themselves."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from bot.domain.content import Network
from bot.domain.timers import Firing
from bot.pushes import firing
from bot.pushes.decisions import REPORT, SEND
from bot.pushes.sender import SocialSender
from bot.pushes.setup import PushSetup
from bot.scheduler import TimerService
from bot.social import Poster, SocialError, build_posters
from bot.store.database import Database
from bot.store.transaction import Tx

log = logging.getLogger(__name__)

LIMITS_EVERY_SECONDS = 6 * 3600.0


class PushService:
    def __init__(
        self,
        db: Database,
        setup: PushSetup,
        *,
        posters: Mapping[Network, Poster] | None = None,
        clock: Callable[[], float] = time.time,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.setup = setup
        self._db = db
        self._clock = clock
        self.posters: dict[Network, Poster] = (
            dict(posters) if posters is not None else build_posters(setup.settings)
        )
        self.sender = SocialSender(db, setup, self.posters, clock=clock, on_commit=on_commit)
        self._stopped = asyncio.Event()

    def register(self, timers: TimerService) -> None:
        async def send(tx: Tx, fired: Firing) -> None:
            await firing.on_send(tx, self.setup, fired)

        async def report(tx: Tx, fired: Firing) -> None:
            await firing.on_report(tx, self.setup, fired)

        timers.register(SEND, send)
        timers.register(REPORT, report)

    def wake(self) -> None:
        self.sender.wake()

    async def recover(self) -> None:
        await self.sender.recover()

    async def run(self) -> None:
        refresh = asyncio.create_task(self._refresh_limits(), name="social-limits")
        try:
            await self.sender.run()
        finally:
            refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresh
            for poster in self.posters.values():
                with contextlib.suppress(Exception):
                    await poster.close()

    def stop(self) -> None:
        self.sender.stop()
        self._stopped.set()

    async def _refresh_limits(self) -> None:
        """What each server allows (Mastodon's configured length), kept in the store for the
        commands that check lengths; fetched at start and every few hours."""
        while not self._stopped.is_set():
            for network, poster in self.posters.items():
                try:
                    limits = await asyncio.wait_for(
                        poster.server_limits(), self.setup.settings.push.timeout + 1
                    )
                except (SocialError, TimeoutError) as error:
                    log.warning("%s: limits not read: %s", network.value, error)
                    continue
                async with self._db.transaction() as tx:
                    await tx.pushes.set_limits(
                        network, limits.max_chars, limits.max_video, self._clock()
                    )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), LIMITS_EVERY_SECONDS)
