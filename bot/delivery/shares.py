"""A platform's overall rate shared with the other delivery processes, through the store.

Telegram allows 30 messages a second to the bot as a whole, whoever sends
them: two delivery workers pacing themselves at 30/s each would send 60. Each
worker renews its share every `RENEW_SECONDS` (`bot.domain.rate_shares` says
how much), and its pacer never goes beyond it. A worker that cannot renew (the
database is unreachable) stops sending before its share's lease ends, since
the others will count it as free after that.

Trade-offs: a worker that becomes busy while another holds the whole rate
waits about a window and a renewal (1.5 s) for its part; shares are in whole
sends per one-second window, so four workers under 30/s use 28 of them. Only
the overall rate is shared; a chat's own limits are kept by giving each room
to one worker at a time (the claim does that, see `OutboxRepository`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable

from bot.delivery.limits import Pacer
from bot.domain.rate_shares import next_share
from bot.store.database import Database

log = logging.getLogger(__name__)

RENEW_SECONDS = 0.5
LEASE_SECONDS = 3.0
"""A share not renewed for this long belongs to a dead process (plus one window)."""
WINDOW_SECONDS = 1.0
MARGIN_SECONDS = 0.5
"""A worker stops using its share this long before its lease could end."""
SKEW_SECONDS = 0.1
"""Added to a share given up, for clocks and answers a little apart."""


class SharedRate:
    def __init__(
        self,
        db: Database,
        platform: str,
        owner: str,
        pacer: Pacer,
        busy: Callable[[], bool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._platform = platform
        self._owner = owner
        self._pacer = pacer
        self._busy = busy
        self._clock = clock
        self._stop = asyncio.Event()
        self._poke = asyncio.Event()
        self.share = 0
        pacer.share(0)  # nothing until the first renewal says how much

    def stop(self) -> None:
        self._stop.set()
        self._poke.set()

    def poke(self) -> None:
        """Work arrived: renew now rather than at the next tick."""
        self._poke.set()

    async def run(self) -> None:
        valid_until = 0.0
        try:
            while not self._stop.is_set():
                try:
                    await self._renew()
                    valid_until = time.monotonic() + LEASE_SECONDS - MARGIN_SECONDS
                except Exception as error:
                    log.warning("%s: rate share not renewed (%s)", self._platform, error)
                if time.monotonic() > valid_until:
                    self._pacer.share(0)
                self._poke.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._poke.wait(), RENEW_SECONDS)
        finally:
            self._pacer.share(0)
            now = self._clock()
            with contextlib.suppress(Exception):
                async with self._db.transaction() as tx:
                    await tx.processes.drop_share(
                        self._platform, self._owner, now + WINDOW_SECONDS + MARGIN_SECONDS
                    )

    async def _renew(self) -> None:
        limit = self._pacer.full_rate
        now = self._clock()
        async with self._db.transaction() as tx:
            await tx.processes.lock_shares(self._platform)
            rows = await tx.processes.shares(self._platform, now, WINDOW_SECONDS + SKEW_SECONDS)
            mine = next((r for r in rows if r.owner == self._owner), None)
            others = [r for r in rows if r.owner != self._owner]
            state = next_share(
                mine,
                self._owner,
                others,
                limit=limit,
                wanted=limit if self._busy() else 0,
                now=now,
                window=WINDOW_SECONDS + SKEW_SECONDS,
                lease_until=now + LEASE_SECONDS,
            )
            if mine is not None and state.share < mine.share and state.previous_until > now:
                # What was given up is free as soon as this process's own window holds no
                # more than the new share: often well before a whole window.
                drained = self._pacer.global_holds_at_most(state.share) - time.monotonic()
                until = now + max(0.0, drained) + SKEW_SECONDS
                if until < state.previous_until and state.previous <= mine.share:
                    state = dataclasses.replace(state, previous_until=until)
            await tx.processes.set_share(self._platform, state)
        if state.share != self.share:
            log.info(
                "%s: rate share %d of %d a second (%d other process(es))",
                self._platform,
                state.share,
                limit,
                len(others),
            )
        self.share = state.share
        self._pacer.share(state.share)
