"""Since when each platform has been down: what `/healthz`, `/metrics`, `riposte status`
and `riposte health` report.

A platform is down when its transport says its link is down (IRC while
reconnecting, Discord while its gateway is away, Telegram while the Bot API
fails to answer), or when its sends have failed for a transient reason with
no success since (any platform). Transports only say up or not; this
remembers since when.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.transports.base import ReportsLink, Transport

if TYPE_CHECKING:
    from bot.delivery.engine import DeliveryEngine

POLL_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class LinkState:
    up: bool
    down_since: float | None


class LinkWatch:
    def __init__(
        self,
        transports: Mapping[str, Transport],
        engine: DeliveryEngine | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._transports = transports
        self._engine = engine
        self._clock = clock
        self._down_since: dict[str, float] = {}
        self._stopping = asyncio.Event()

    def states(self) -> dict[str, LinkState]:
        now = self._clock()
        engine = self._engine
        found: dict[str, LinkState] = {}
        for name, transport in self._transports.items():
            link_up = transport.link_up if isinstance(transport, ReportsLink) else True
            if link_up:
                self._down_since.pop(name, None)
            else:
                self._down_since.setdefault(name, now)
            worker = engine.workers.get(name) if engine is not None else None
            candidates = [t for t in (self._down_since.get(name),
                                      worker.failing_since if worker else None) if t is not None]
            since = min(candidates) if candidates else None
            found[name] = LinkState(since is None, since)
        return found

    async def run(self) -> None:
        while not self._stopping.is_set():
            self.states()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), POLL_SECONDS)

    def stop(self) -> None:
        self._stopping.set()
