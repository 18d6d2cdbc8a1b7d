"""One platform's delivery loop: claim due rows, pace them per chat, send, record.

Claimed rows wait in memory, one queue per chat, so a chat held back by its
own limit never blocks the others. The next chat served is the one whose
oldest row is most urgent (priority, then age): a fresh alert overtakes a
push in progress. Outcomes are written in batches by a single recorder, so
bookkeeping stays durable without one transaction per message.

Duplicate bound after `kill -9`: a message is sent twice only if its send had
started but its outcome was not yet committed: the `max_in_flight` sends
awaiting an answer, plus the outcomes the recorder had not committed yet
(those of the last commit's duration: about rate x a few milliseconds, in
practice a handful). Rows merely claimed are requeued unsent.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery.coalesce import merge
from bot.delivery.limits import Pacer
from bot.domain.messages import OutgoingMessage, TargetKind
from bot.store.database import Database
from bot.store.outbox import Failed, OutboxRow, Outcome, Retry, Sent
from bot.transports.base import (
    MultiTargetSender,
    PermanentError,
    RateLimited,
    TransientError,
    Transport,
    Undeliverable,
)

log = logging.getLogger(__name__)

BUFFER_SIZE = 5_000
CLAIM_BATCH = 1_000
LEASE_SECONDS = 300.0
POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300.0
MAX_ATTEMPTS = 50
EDIT_WAIT_SECONDS = 1.0
MAX_GROUP = 20
"""Rooms one multi-target send may cover (IRC's TARGMAX lets one line reach several)."""
STOP_GRACE_SECONDS = 7.0


def backoff_delay(attempts: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential, with jitter on the upper half, capped."""
    base = min(MAX_BACKOFF_SECONDS, 2.0 ** min(attempts, 16))
    return base / 2 + rng() * base / 2


@dataclass
class _Chat:
    rows: list[OutboxRow] = field(default_factory=list)
    busy: bool = False


_Job = tuple[str, "_Chat", list[OutboxRow], OutgoingMessage, list[tuple[str, "_Chat", OutboxRow]]]


@dataclass
class WorkerStats:
    buffered: int = 0
    in_flight: int = 0
    sent: int = 0
    failed: int = 0
    rate_limited: int = 0
    paused_for: float = 0.0


class PlatformWorker:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._transport = transport
        self.platform = transport.platform
        self._clock = clock
        self._pacer = Pacer(transport.limits)
        # A runtime Protocol check is slow: ask once, not per message.
        self._multi_target = isinstance(transport, MultiTargetSender)
        self._chats: dict[str, _Chat] = {}
        self._ready: list[tuple[int, int, str]] = []
        self._waiting: list[tuple[float, int, int, str]] = []
        self._buffered: set[int] = set()
        self._slots = asyncio.Semaphore(max(1, transport.limits.max_in_flight))
        self._jobs: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._senders: list[asyncio.Task[None]] = []
        self._in_progress = 0
        self._solo: set[int] = set()
        self._outcomes: list[Outcome] = []
        self._outcomes_ready = asyncio.Event()
        self._recording_done = False
        self._unrecorded = 0
        self._wake = asyncio.Event()
        self._claim_signal = asyncio.Event()
        self._claim_wanted = True
        self._drained = False
        self._stopping = False
        self.stats = WorkerStats()

    # --- control ---------------------------------------------------------------------

    def wake(self) -> None:
        self._claim_wanted = True
        self._claim_signal.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._claim_signal.set()

    async def run(self) -> None:
        recorder = asyncio.create_task(self._recorder(), name=f"outbox-recorder-{self.platform}")
        claimer = asyncio.create_task(self._claimer(), name=f"outbox-claimer-{self.platform}")
        self._senders = [
            asyncio.create_task(self._sender(), name=f"outbox-sender-{self.platform}-{i}")
            for i in range(max(1, self._transport.limits.max_in_flight))
        ]
        try:
            await self._loop()
        finally:
            self._stopping = True
            self._claim_signal.set()
            await claimer
            await self._shutdown()
            self._recording_done = True
            self._outcomes_ready.set()
            await recorder

    async def _shutdown(self) -> None:
        """Finish what is in flight (bounded), give back what was only claimed."""
        for _ in self._senders:
            self._jobs.put_nowait(None)
        if self._senders:
            _, pending = await asyncio.wait(set(self._senders), timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        unsent = [row.id for chat in self._chats.values() for row in chat.rows]
        if unsent:
            async with self._db.transaction() as tx:
                await tx.outbox.release(unsent)
            log.info("%s: released %d claimed deliveries at stop", self.platform, len(unsent))
        self._chats.clear()
        self._buffered.clear()

    # --- scheduling --------------------------------------------------------------------

    async def _loop(self) -> None:
        while not self._stopping:
            self._pacer.tick()
            chat_key, wait = self._pick()
            if chat_key is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), min(wait, POLL_SECONDS))
                continue
            await self._slots.acquire()
            self._start_send(chat_key)

    async def _claimer(self) -> None:
        """Keeps the buffer fed from the database, so sending never waits on a query."""
        while not self._stopping:
            if not self._claim_wanted:
                self._claim_signal.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._claim_signal.wait(), POLL_SECONDS)
                self._claim_wanted = True  # woken, or time to poll for due retries
                continue
            before = len(self._buffered)
            await self._claim()
            if len(self._buffered) != before:
                self._wake.set()

    async def _claim(self) -> None:
        """Top the buffer up when it runs low; when it is not low, take only more urgent rows."""
        self._claim_wanted = False
        room = BUFFER_SIZE - len(self._buffered)
        below: int | None = None
        if room < BUFFER_SIZE // 2:
            # Busy with lower-priority work: still let more urgent rows in at once.
            worst = max((c.rows[-1].priority for c in self._chats.values() if c.rows), default=0)
            if worst == 0:
                return
            below, room = worst, CLAIM_BATCH
        async with self._db.transaction() as tx:
            rows = await tx.outbox.claim_due(
                self.platform,
                self._clock(),
                min(room, CLAIM_BATCH),
                LEASE_SECONDS,
                below_priority=below,
            )
        for row in rows:
            self._add(row)
        if below is None:
            self._drained = len(rows) < min(room, CLAIM_BATCH)
            if not self._drained:
                self._claim_wanted = True  # probably more waiting
        self.stats.buffered = len(self._buffered)

    def _add(self, row: OutboxRow) -> None:
        self._buffered.add(row.id)
        key = row.target.address
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat()
        if chat.rows and (chat.rows[-1].priority, chat.rows[-1].id) > (row.priority, row.id):
            chat.rows.append(row)
            chat.rows.sort(key=lambda r: (r.priority, r.id))
        else:
            chat.rows.append(row)
        if not chat.busy and chat.rows[0] is row:
            heapq.heappush(self._ready, (row.priority, row.id, key))

    def _requeue(self, key: str) -> None:
        chat = self._chats.get(key)
        if chat is None:
            return
        if not chat.rows:
            del self._chats[key]
            return
        head = chat.rows[0]
        heapq.heappush(self._ready, (head.priority, head.id, key))

    def _pick(self) -> tuple[str | None, float]:
        """The most urgent chat that may receive now, or how long to wait for one."""
        now = self._pacer_now()
        while self._waiting and self._waiting[0][0] <= now:
            _, priority, row_id, key = heapq.heappop(self._waiting)
            heapq.heappush(self._ready, (priority, row_id, key))
        wait = self._waiting[0][0] - now if self._waiting else POLL_SECONDS
        if not self._ready:
            return None, wait
        global_at = self._pacer.global_ready_at(now)
        if global_at > now:
            return None, min(wait, global_at - now) if global_at != float("inf") else wait
        while self._ready:
            priority, row_id, key = self._ready[0]
            chat = self._chats.get(key)
            if chat is None or chat.busy or not chat.rows or chat.rows[0].id != row_id:
                heapq.heappop(self._ready)
                continue
            head = chat.rows[0]
            ready_at = self._pacer.chat_ready_at(key, head.target.kind is TargetKind.ROOM, now)
            if ready_at > now:
                heapq.heappop(self._ready)
                if ready_at == float("inf"):
                    ready_at = now + 0.05
                heapq.heappush(self._waiting, (ready_at, priority, row_id, key))
                wait = min(wait, ready_at - now)
                continue
            heapq.heappop(self._ready)
            return key, 0.0
        return None, wait

    def _pacer_now(self) -> float:
        return time.monotonic()

    def _take(self, chat: _Chat) -> tuple[list[OutboxRow], OutgoingMessage]:
        """The head row, merged with same-priority rows queued behind it when the chat is paced."""
        head = chat.rows[0]
        if head.edit_of is not None or not self._pacer.limits_chat():
            return [chat.rows.pop(0)], head.message
        candidates: list[OutboxRow] = []
        for row in chat.rows:
            if row.priority != head.priority or row.edit_of is not None:
                break
            candidates.append(row)
        if len(candidates) == 1:
            return [chat.rows.pop(0)], head.message
        message, used = merge(
            [row.message for row in candidates], self._transport.limits.max_text_length
        )
        taken = chat.rows[:used]
        del chat.rows[:used]
        return taken, message

    def _start_send(self, key: str) -> None:
        chat = self._chats[key]
        rows, message = self._take(chat)
        chat.busy = True
        self._in_progress += 1
        # The slot is taken now, not when a sender picks the job up: the loop picks
        # several chats before any sender runs, and each must see the others' slots.
        self._pacer.acquire(key, rows[0].target.kind is TargetKind.ROOM)
        if self._multi_target and len(rows) == 1 and rows[0].id not in self._solo:
            group = self._companions(rows[0])
            if group:
                self._jobs.put_nowait((key, chat, rows, message, group))
                return
        self._jobs.put_nowait((key, chat, rows, message, []))

    def _companions(self, head: OutboxRow) -> list[tuple[str, _Chat, OutboxRow]]:
        """Other ready rooms whose next row is the same new message (one alert's copies)."""
        if head.edit_of is not None or head.target.kind is not TargetKind.ROOM:
            return []
        found: list[tuple[str, _Chat, OutboxRow]] = []
        now = self._pacer_now()
        while self._ready and len(found) < MAX_GROUP - 1:
            priority, row_id, key = self._ready[0]
            chat = self._chats.get(key)
            if chat is None or chat.busy or not chat.rows or chat.rows[0].id != row_id:
                heapq.heappop(self._ready)
                continue
            row = chat.rows[0]
            if (
                priority != head.priority
                or row.edit_of is not None
                or row.target.kind is not TargetKind.ROOM
                or row.message != head.message
                or row.id in self._solo
                or self._pacer.chat_ready_at(key, True, now) > now
            ):
                break
            heapq.heappop(self._ready)
            chat.rows.pop(0)
            chat.busy = True
            found.append((key, chat, row))
        return found

    async def _sender(self) -> None:
        """One of `max_in_flight` long-lived senders: cheaper than a task per message."""
        while True:
            job = await self._jobs.get()
            if job is None:
                return
            key, chat, rows, message, group = job
            try:
                if group:
                    await self._send_group(key, chat, rows[0], group)
                else:
                    await self._send(key, chat, rows, message)
            finally:
                self._in_progress -= 1

    # --- sending -------------------------------------------------------------------------

    async def _send(
        self, key: str, chat: _Chat, rows: list[OutboxRow], message: OutgoingMessage
    ) -> None:
        head = rows[0]
        is_group = head.target.kind is TargetKind.ROOM
        self.stats.in_flight += 1
        outcomes: list[Outcome]
        try:
            if head.edit_of is not None:
                outcomes = [await self._edit(head)]
            elif message.video is not None and not self._transport.limits.can_upload:
                outcomes = [Failed(r.id, "this platform takes no uploads", "skipped") for r in rows]
            else:
                ref = await self._transport.send(head.target, message)
                now = self._clock()
                merged = len(rows) > 1
                outcomes = [Sent(row.id, ref, now, merged) for row in rows]
                if merged:
                    log.info("%s:%s: %d messages merged into one", self.platform, key, len(rows))
        except RateLimited as error:
            scope = None if error.whole_platform else key
            self._pacer.rate_limited(error.retry_after, scope)
            self.stats.rate_limited += 1
            log.warning(
                "%s:%s rate limited for %.1fs (outbox %s)",
                self.platform,
                key,
                error.retry_after,
                ",".join(str(r.id) for r in rows),
            )
            until = self._clock() + error.retry_after
            outcomes = [Retry(r.id, until, str(error), count_attempt=False) for r in rows]
            if scope is None:
                await self._persist_pause(until)
        except Undeliverable as error:
            log.warning(
                "%s:%s outbox %d not deliverable here: %s", self.platform, key, head.id, error
            )
            outcomes = [Failed(r.id, str(error), "skipped") for r in rows]
        except PermanentError as error:
            outcomes = [Failed(r.id, str(error)) for r in rows]
            outcomes += [Failed(r.id, str(error)) for r in chat.rows]
            self._forget(chat.rows)
            chat.rows.clear()
            await self._gone(head, str(error))
        except Exception as error:  # TransientError, or a bug: retried either way
            if not isinstance(error, TransientError):
                log.exception(
                    "%s:%s unexpected error sending outbox %d", self.platform, key, head.id
                )
            outcomes = [self._retry(row, f"{type(error).__name__}: {error}") for row in rows]
        finally:
            self._pacer.release(key, is_group)
            self.stats.in_flight -= 1
            chat.busy = False
            self._slots.release()
        self._forget(rows)
        self._unrecorded += len(outcomes)
        self._outcomes.extend(outcomes)
        self._outcomes_ready.set()
        self._requeue(key)
        self._wake.set()

    async def _send_group(
        self, key: str, chat: _Chat, head: OutboxRow, group: list[tuple[str, _Chat, OutboxRow]]
    ) -> None:
        """One message to several rooms in one send; if it fails, each row goes alone."""
        transport = self._transport
        assert isinstance(transport, MultiTargetSender)
        members = [(key, chat, head), *group]
        for member_key, _, _ in group:
            self._pacer.acquire(member_key, True)  # the head's slot was taken at pick time
        self.stats.in_flight += 1
        try:
            refs = await transport.send_many([row.target for _, _, row in members], head.message)
            now = self._clock()
            outcomes: list[Outcome] = [
                Sent(row.id, ref, now) for (_, _, row), ref in zip(members, refs, strict=True)
            ]
        except Exception as error:
            # Back to their queues, to go one by one (the error is handled there).
            log.info("%s: multi-target send failed (%s); rows go one by one", self.platform, error)
            for _, member_chat, row in members:
                member_chat.rows.insert(0, row)
                self._solo.add(row.id)
            outcomes = []
        finally:
            for member_key, member_chat, _ in members:
                self._pacer.release(member_key, True)
                member_chat.busy = False
            self.stats.in_flight -= 1
            self._slots.release()
        if outcomes:
            self._forget([row for _, _, row in members])
            self._unrecorded += len(outcomes)
            self._outcomes.extend(outcomes)
        self._outcomes_ready.set()
        for member_key, _, _ in members:
            self._requeue(member_key)
        self._wake.set()

    def _retry(self, row: OutboxRow, error: str) -> Outcome:
        if row.attempts >= MAX_ATTEMPTS:
            log.error(
                "outbox %d to %s: gave up after %d tries: %s",
                row.id,
                row.target,
                row.attempts,
                error,
            )
            return Failed(row.id, f"gave up after {row.attempts} tries: {error}")
        delay = backoff_delay(row.attempts)
        log.info("outbox %d to %s: retry in %.1fs (%s)", row.id, row.target, delay, error)
        return Retry(row.id, self._clock() + delay, error)

    def _forget(self, rows: list[OutboxRow]) -> None:
        for row in rows:
            self._buffered.discard(row.id)
            self._solo.discard(row.id)
        self.stats.buffered = len(self._buffered)
        if len(self._buffered) < BUFFER_SIZE // 2 and not self._claim_wanted:
            self._claim_wanted = True
            self._claim_signal.set()

    async def _edit(self, row: OutboxRow) -> Outcome:
        async with self._db.transaction() as tx:
            original = await tx.outbox.get(row.edit_of or 0)
        if original is None or original.status in ("failed", "skipped"):
            return Failed(row.id, "the original was never delivered", "skipped")
        if original.status != "sent" or original.sent_ref is None:
            # Still queued or in flight: edit once it has landed.
            return Retry(
                row.id,
                self._clock() + EDIT_WAIT_SECONDS,
                "waiting for the original",
                count_attempt=False,
            )
        if not self._transport.limits.can_edit or original.coalesced:
            # A merged message holds other alerts too: say the change in a new message.
            ref = await self._transport.send(row.target, row.message)
        else:
            await self._transport.edit(original.sent_ref, row.message)
            ref = original.sent_ref
        return Sent(row.id, ref, self._clock())

    async def _gone(self, row: OutboxRow, error: str) -> None:
        target = row.target
        async with self._db.transaction() as tx:
            dropped = await tx.outbox.fail_pending_for(target, error)
            if target.kind is TargetKind.ROOM:
                await tx.rooms.mark_unreachable(target.platform, target.address, error)
            else:
                await tx.members.mark_unreachable(target.platform, target.address, error)
        self.stats.failed += 1
        log.warning(
            "%s:%s unreachable (%s); %d queued deliveries dropped",
            target.platform,
            target.address,
            error,
            dropped,
        )

    async def _persist_pause(self, until: float) -> None:
        async with self._db.transaction() as tx:
            await tx.outbox.set_paused(self.platform, until)

    # --- recording -----------------------------------------------------------------------

    async def _recorder(self) -> None:
        """Writes outcomes as they come, all that arrived during the previous write at once."""
        while True:
            await self._outcomes_ready.wait()
            self._outcomes_ready.clear()
            batch, self._outcomes = self._outcomes, []
            if batch:
                async with self._db.transaction() as tx:
                    await tx.outbox.record(batch)
                self._unrecorded -= len(batch)
                self.stats.sent += sum(isinstance(o, Sent) for o in batch)
                self.stats.failed += sum(isinstance(o, Failed) for o in batch)
                if any(isinstance(o, Retry) for o in batch):
                    self.wake()
            if self._recording_done and not self._outcomes:
                return

    @property
    def looks_idle(self) -> bool:
        """Nothing in memory and the last look at the database found nothing due."""
        return (
            self._drained
            and not self._buffered
            and self._in_progress == 0
            and self._unrecorded == 0
            and not self._claim_wanted
        )

    @property
    def paused_for(self) -> float:
        return max(0.0, self._pacer.paused_until_monotonic - time.monotonic())
