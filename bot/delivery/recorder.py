"""Delivery outcomes written to the outbox in batches, by one task per platform.

Sending never waits for the database: outcomes queue here and are written all
that arrived during the previous write at once, at most `MAX_BATCH` at a time
so that the writer lock, which every command also needs, is never held long.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence

from bot.store.database import Database
from bot.store.delivery_minutes import minute_of
from bot.store.outbox import Failed, Outcome, Retry, Sent

MAX_BATCH = 500


def tally(outcomes: Sequence[Outcome]) -> Counter[str]:
    """Outcomes by kind, as the dashboard and /metrics name them."""
    counts: Counter[str] = Counter()
    for outcome in outcomes:
        if isinstance(outcome, Sent):
            counts["sent"] += 1
        elif isinstance(outcome, Failed):
            counts["skipped" if outcome.status == "skipped" else "failed"] += 1
        elif isinstance(outcome, Retry):
            counts["rate_limited" if outcome.rate_limited else "retried"] += 1
    return counts


class OutcomeRecorder:
    def __init__(
        self,
        db: Database,
        owner: str,
        on_retry: Callable[[], None],
        platform: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._platform = platform
        self._clock = clock
        self._owner = owner
        self._on_retry = on_retry
        self._queue: list[Outcome] = []
        self._ready = asyncio.Event()
        self._closing = False
        self.unrecorded = 0
        """Outcomes known but not committed yet (queued or being written)."""
        self.sent = 0
        self.failed = 0
        self.outcomes: Counter[str] = Counter()
        """Every outcome recorded since start, by kind (`sent`, `failed`, `retried`…)."""

    def add(self, outcomes: Sequence[Outcome]) -> None:
        self._queue.extend(outcomes)
        self.unrecorded += len(outcomes)
        self._ready.set()

    def close(self) -> None:
        """`run` returns once everything added so far is written."""
        self._closing = True
        self._ready.set()

    async def run(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                counts = tally(batch)
                async with self._db.transaction() as tx:
                    await tx.outbox.record(batch, self._owner)
                    await tx.delivery_minutes.add(
                        self._platform, minute_of(self._clock()), counts
                    )
                self.unrecorded -= len(batch)
                self.outcomes.update(counts)
                self.sent += counts["sent"]
                self.failed += counts["failed"] + counts["skipped"]
                if any(isinstance(o, Retry) for o in batch):
                    self._on_retry()
                await asyncio.sleep(0)  # let a waiting command take the lock between batches
            if self._closing:
                return
