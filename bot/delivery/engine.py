"""Takes due outbox rows, sends them through their transport, records what happened.

One worker per platform, so one platform's outage never slows another. Rows
are claimed with a lease before sending; a crash leaves them `sending`, and the
next start puts them back in the queue. The duplicate bound is therefore the
rows claimed but not yet recorded when the process died: at most one batch
(`BATCH` rows) per platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping

from bot.delivery.pacing import Pacer
from bot.domain.messages import TargetKind
from bot.store.database import Database
from bot.store.outbox import OutboxRow
from bot.transports.base import (
    MultiTargetSender,
    PermanentError,
    RateLimited,
    TransientError,
    Transport,
)

log = logging.getLogger(__name__)

BATCH = 20
LEASE_SECONDS = 120.0
IDLE_POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300.0
MAX_ATTEMPTS = 50


def backoff_delay(attempts: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential with full jitter on the upper half, capped."""
    base = min(MAX_BACKOFF_SECONDS, 2.0 ** min(attempts, 16))
    return base / 2 + rng() * base / 2


class DeliveryEngine:
    def __init__(
        self,
        db: Database,
        transports: Mapping[str, Transport],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._transports = dict(transports)
        self._clock = clock
        self._wake = {name: asyncio.Event() for name in self._transports}
        self._pacers = {name: Pacer(t.limits) for name, t in self._transports.items()}
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        for event in self._wake.values():
            event.set()

    async def recover(self) -> int:
        """Rows a dead process left in flight go back to the queue (may be resent once)."""
        async with self._db.transaction() as tx:
            released = await tx.outbox.release_all_leases()
        if released:
            log.warning("requeued %d deliveries left in flight by the previous run", released)
        return released

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for name in self._transports:
                group.create_task(self._worker(name), name=f"delivery-{name}")

    def stop(self) -> None:
        self._stopping.set()
        self.wake()

    async def wait_idle(self, timeout: float, platforms: tuple[str, ...] | None = None) -> bool:
        """Wait until nothing is due or in flight on these (default: all running) platforms."""
        deadline = time.monotonic() + timeout
        names = tuple(self._transports) if platforms is None else platforms
        while True:
            async with self._db.transaction() as tx:
                busy = await tx.outbox.busy_count(names, self._clock())
            if busy == 0:
                return True
            if time.monotonic() >= deadline:
                log.warning("%d deliveries still pending after %.1fs", busy, timeout)
                return False
            self.wake()
            await asyncio.sleep(0.01)

    async def _worker(self, platform: str) -> None:
        wake = self._wake[platform]
        while not self._stopping.is_set():
            wake.clear()
            async with self._db.transaction() as tx:
                rows = await tx.outbox.claim_due(platform, self._clock(), BATCH, LEASE_SECONDS)
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), IDLE_POLL_SECONDS)
                continue
            transport = self._transports[platform]
            multi = isinstance(transport, MultiTargetSender)
            groups = _same_message_groups(rows) if multi else [[row] for row in rows]
            for index, group in enumerate(groups):
                if self._stopping.is_set():
                    await self._release([row for later in groups[index:] for row in later])
                    break
                if len(group) == 1:
                    await self._deliver(platform, group[0])
                else:
                    assert isinstance(transport, MultiTargetSender)
                    await self._deliver_many(platform, transport, group)

    async def _deliver_many(
        self, platform: str, transport: MultiTargetSender, rows: list[OutboxRow]
    ) -> None:
        """One message to several rooms in one go; on any error, the rows go one by one."""
        try:
            refs = await transport.send_many([row.target for row in rows], rows[0].message)
        except Exception as error:
            log.info(
                "outbox %s: multi-target send failed (%s); sending one by one",
                ",".join(str(row.id) for row in rows),
                error,
            )
            for row in rows:
                await self._deliver(platform, row)
            return
        async with self._db.transaction() as tx:
            for row, ref in zip(rows, refs, strict=True):
                await tx.outbox.mark_sent(row.id, ref, self._clock())
        for row in rows:
            self._pacers[platform].record_send(row.target.address)
        log.debug(
            "outbox %s sent to %d %s rooms at once",
            ",".join(str(row.id) for row in rows),
            len(rows),
            platform,
        )

    async def _release(self, rows: list[OutboxRow]) -> None:
        async with self._db.transaction() as tx:
            for row in rows:
                await tx.outbox.defer(row.id, self._clock())

    async def _deliver(self, platform: str, row: OutboxRow) -> None:
        transport = self._transports[platform]
        pacer = self._pacers[platform]
        delay = pacer.delay_for(row.target.address)
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            if row.edit_of is not None:
                await self._edit(transport, row)
                return
            ref = await transport.send(row.target, row.message)
        except RateLimited as error:
            pacer.pause(error.retry_after, None if error.whole_platform else row.target.address)
            log.warning(
                "outbox %d to %s:%s rate limited for %.1fs",
                row.id,
                platform,
                row.target.address,
                error.retry_after,
            )
            await self._retry(row, error.retry_after, str(error), count_attempt=False)
            return
        except PermanentError as error:
            await self._give_up(row, str(error))
            return
        except TransientError as error:
            await self._retry(row, backoff_delay(row.attempts), str(error))
            return
        except Exception as error:
            log.exception("outbox %d to %s:%s: unexpected error", row.id, platform, row.target)
            await self._retry(row, backoff_delay(row.attempts), f"{type(error).__name__}: {error}")
            return
        finally:
            pacer.record_send(row.target.address)
        async with self._db.transaction() as tx:
            await tx.outbox.mark_sent(row.id, ref, self._clock())
        log.debug("outbox %d sent to %s:%s", row.id, platform, row.target.address)

    async def _edit(self, transport: Transport, row: OutboxRow) -> None:
        async with self._db.transaction() as tx:
            original = await tx.outbox.get(row.edit_of or 0)
            if original is None or original.status in ("failed", "skipped"):
                await tx.outbox.mark_failed(row.id, "original was never delivered", "skipped")
                return
            if original.status != "sent" or original.sent_ref is None:
                # The original is still queued or in flight: edit it once it has landed.
                await tx.outbox.defer(row.id, self._clock() + 1.0)
                return
            ref = original.sent_ref
        if not transport.limits.can_edit:
            await transport.send(row.target, row.message)
        else:
            await transport.edit(ref, row.message)
        async with self._db.transaction() as tx:
            await tx.outbox.mark_sent(row.id, ref, self._clock())

    async def _retry(
        self, row: OutboxRow, delay: float, error: str, count_attempt: bool = True
    ) -> None:
        async with self._db.transaction() as tx:
            if count_attempt and row.attempts >= MAX_ATTEMPTS:
                await tx.outbox.mark_failed(row.id, f"gave up after {row.attempts} tries: {error}")
                log.error("outbox %d to %s: gave up: %s", row.id, row.target, error)
                return
            if count_attempt:
                await tx.outbox.retry_later(row.id, self._clock() + delay, error)
            else:
                await tx.outbox.defer(row.id, self._clock() + delay)
        log.info("outbox %d to %s: retry in %.1fs (%s)", row.id, row.target, delay, error)

    async def _give_up(self, row: OutboxRow, error: str) -> None:
        target = row.target
        async with self._db.transaction() as tx:
            await tx.outbox.mark_failed(row.id, error)
            dropped = await tx.outbox.fail_pending_for(target, error)
            if target.kind is TargetKind.ROOM:
                await tx.rooms.mark_unreachable(target.platform, target.address, error)
            else:
                await tx.members.mark_unreachable(target.platform, target.address, error)
        log.warning(
            "outbox %d: %s:%s unreachable (%s); %d queued deliveries dropped",
            row.id,
            target.platform,
            target.address,
            error,
            dropped,
        )


def _same_message_groups(rows: list[OutboxRow]) -> list[list[OutboxRow]]:
    """Consecutive new messages to rooms with the same content, e.g. one alert's copies."""
    groups: list[list[OutboxRow]] = []
    for row in rows:
        head = groups[-1][0] if groups else None
        if (
            head is not None
            and head.edit_of is None
            and row.edit_of is None
            and head.target.kind is TargetKind.ROOM
            and row.target.kind is TargetKind.ROOM
            and row.message == head.message
        ):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups
