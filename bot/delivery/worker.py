"""One platform's delivery loop: claim due rows, pace them per chat, send, record.

Claimed rows wait in memory, one queue per chat, so a chat held back by its
own limit never blocks the others. The next chat served is the one whose
oldest row is most urgent (priority, then age): a fresh alert overtakes a
push in progress. A split message holds its chat until its last part is out,
each part paced like a message of its own. Outcomes are written in batches by
a recorder (`recorder.py`); what one step sends is `sending.py`'s business.

Claims are leases: rows are `sending` until `lease_until`, renewed while this
worker holds them, given back at stop, and taken back by anyone once expired.
A worker that could not renew its leases in time drops what it holds unsent
rather than race the worker that takes them back.

Shared (several processes deliver the same platform from one PostgreSQL
store): the platform's overall rate is split through the store
(`shares.py`), and each room is paced by one process at a time (the claim
holds it), so the platform's limits hold for all processes together.

Cancellations: the copies of an alert or a push (`bot.domain.stoppable`) are
sent only once the store has cleared them to go (`_clear`, a batch of rows a
little ahead of the sends, in a task of its own so that sending never waits
for it). `cancel A17` and `unpush P3` change the rows not yet cleared in their
own transaction; the next clearance drops a stopped copy from memory unsent,
or picks up a cancelled alert's new text, in this process or another.

Duplicate bound after `kill -9`: a message (or one part of it) is sent twice
only if its send had started but its outcome was not yet committed: the
`max_in_flight` sends awaiting an answer, plus the outcomes the recorder had
not committed yet (at most one batch). Rows merely claimed are requeued unsent.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import heapq
import logging
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery.coalesce import merge
from bot.delivery.limits import Pacer
from bot.delivery.recorder import OutcomeRecorder
from bot.delivery.sending import PartDelivery
from bot.delivery.shares import SharedRate
from bot.domain.messages import OutgoingMessage, TargetKind
from bot.domain.stoppable import stoppable
from bot.redaction import redact as redact_patterns
from bot.store.database import Database
from bot.store.delivery_minutes import minute_of
from bot.store.outbox import Failed, OutboxRow, Outcome, Retry, Sent
from bot.transports.base import MultiTargetSender, Transport

log = logging.getLogger(__name__)

BUFFER_SIZE = 5_000
SHARED_BUFFER_SECONDS = 2.0
"""Shared and paced: claim only what this worker's share sends in a couple of seconds, so
that the work stays spread over the workers until the end (one must not sit on the last
rows while the other has nothing left)."""
SHARED_BUFFER_MIN = 20
CLAIM_BATCH = 250
"""Rows per claim: a claim holds the writer lock, which commands wait for, a few ms."""
LEASE_SECONDS = 30.0
"""`[delivery] lease`: a claim not renewed for this long is taken back by others."""
POLL_SECONDS = 1.0
SHARED_POLL_SECONDS = 10.0
"""Shared: other processes' work arrives by NOTIFY; this is a backstop (and retries are
looked up by their due time)."""
ROOM_WINDOW_SECONDS = 60.0
"""A room stays held this long after its last send (Telegram counts 20 a minute)."""
MAX_GROUP = 20
"""Rooms one multi-target send may cover (IRC's TARGMAX lets one line reach several)."""
STOP_GRACE_SECONDS = 4.0
"""How long a stop lets sends in flight finish before cancelling them."""
MAX_RATE_LIMITED = 20
CLEAR_AHEAD_SECONDS = 0.5
"""Copies of an alert or a push are cleared to go about this far ahead of their send: what
a cancellation can no longer stop (at Telegram's 30/s, 15 copies)."""
CLEAR_BATCH = 500
"""Most rows cleared in one transaction (an unpaced platform sends thousands a second)."""
PACE_SAMPLE_SECONDS = 0.05
"""The pace is measured over at least this long (claims and clearances come faster)."""


@dataclass
class _Chat:
    rows: list[OutboxRow] = field(default_factory=list)
    busy: bool = False


_Job = tuple[str, "_Chat", list[OutboxRow], OutgoingMessage, list[tuple[str, "_Chat", OutboxRow]]]


def _order(row: OutboxRow) -> tuple[bool, int, int]:
    """A message with parts already out comes first: its parts are never interleaved."""
    return (row.parts_sent == 0, row.priority, row.id)


@dataclass
class WorkerStats:
    buffered: int = 0
    in_flight: int = 0
    gone: int = 0
    rate_limited: int = 0
    pauses: int = 0
    """Pauses of the whole platform asked by a rate-limit answer."""
    stopped: int = 0
    """Claimed copies a cancellation stopped before their send."""


class PlatformWorker:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        clock: Callable[[], float] = time.time,
        *,
        owner: str | None = None,
        redact: Callable[[str], str] = redact_patterns,
        max_rate_limited: int = MAX_RATE_LIMITED,
        lease_seconds: float = LEASE_SECONDS,
        shared: bool = False,
    ) -> None:
        self._db = db
        self._lease = lease_seconds
        self._renew_every = lease_seconds / 3
        self._shared = shared
        self._poll = SHARED_POLL_SECONDS if shared else POLL_SECONDS
        self._transport = transport
        self.platform = transport.platform
        self._clock = clock
        self.owner = owner or uuid.uuid4().hex[:12]
        self._pacer = Pacer(transport.limits)
        self._delivery = PartDelivery(
            db, transport, clock, redact=redact, max_rate_limited=max_rate_limited
        )
        # A runtime Protocol check is slow: ask once, not per message.
        self._multi_target: MultiTargetSender | None = (
            transport if isinstance(transport, MultiTargetSender) else None
        )
        self._max_in_flight = max(1, transport.limits.max_in_flight)
        self._chats: dict[str, _Chat] = {}
        self._ready: list[tuple[int, int, str]] = []
        self._waiting: list[tuple[float, int, int, str]] = []
        self._buffered: set[int] = set()
        self._sending: dict[int, OutboxRow] = {}
        """Rows handed to a sender and not yet concluded: given back if a stop cancels them."""
        self._slots = asyncio.Semaphore(self._max_in_flight)
        self._jobs: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._senders: list[asyncio.Task[None]] = []
        self._in_progress = 0
        self._solo: set[int] = set()
        self._recorder = OutcomeRecorder(db, self.owner, self.wake, self.platform, clock)
        self._wake = asyncio.Event()
        self._claim_signal = asyncio.Event()
        self._claim_wanted = True
        self._drained = False
        self._stopping = False
        self._grace = STOP_GRACE_SECONDS
        self._last_renewal = time.monotonic()
        self._lease_valid_until = time.monotonic() + lease_seconds
        self._awaiting_go: dict[int, OutboxRow] = {}
        """Claimed copies of an alert or a push not cleared to go yet: never sent as they are."""
        self._to_clear: deque[int] = deque()
        """The same rows, in the order they were claimed: cleared in that order."""
        self._urgent: list[int] = []
        """Heads the loop could send now but for their go-ahead: cleared first."""
        self._cleared: set[int] = set()
        """Copies cleared to go whose send has not started yet."""
        self._clearances: list[tuple[list[int], dict[int, int], dict[int, OutgoingMessage]]] = []
        """Answers of the store not applied yet: (asked, cleared -> payload, new texts)."""
        self._clearing: asyncio.Task[None] | None = None
        self._answered = 0
        """Sends answered since start (not started: stuck sends must not make the worker
        clear more)."""
        self._pace_mark = (time.monotonic(), 0)
        """When the last clearance measured the pace, and `_answered` then."""
        self._ahead = 0
        """Rows to clear in advance: this worker's recent pace times `CLEAR_AHEAD_SECONDS`."""
        self._pace = 0.0
        """Sends answered per second lately (see `_measure_pace`)."""
        self._room_sent: dict[str, float] = {}
        """Shared: rooms this worker sent to lately (monotonic), held while their window runs."""
        self._rate: SharedRate | None = None
        if shared and self._pacer.shareable:
            self._rate = SharedRate(db, self.platform, self.owner, self._pacer, self._busy, clock)
        self._hold_rooms = shared and self._pacer.limits_chat()

        self.stats = WorkerStats()
        self.failing_since: float | None = None
        """When sends started failing for a transient reason (timeouts, 5xx, a lost link),
        with no success since; None while they go through. `/healthz` reads it."""

    # --- control ---------------------------------------------------------------------

    def wake(self) -> None:
        self._claim_wanted = True
        self._claim_signal.set()
        if self._rate is not None:
            self._rate.poke()

    @property
    def _buffer_size(self) -> int:
        if self._rate is None:
            return BUFFER_SIZE
        wanted = int(max(self._rate.share, 1) * SHARED_BUFFER_SECONDS)
        return max(SHARED_BUFFER_MIN, min(BUFFER_SIZE, wanted))

    def _busy(self) -> bool:
        return bool(self._buffered) or self._in_progress > 0 or not self._drained

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop claiming and sending; sends in flight get `grace` seconds to finish."""
        if self._stopping:
            return
        self._stopping = True
        self._grace = grace
        if self._rate is not None:
            self._rate.stop()
        self._wake.set()
        self._claim_signal.set()
        # A loop waiting for a free send slot must see the stop now, not after a send.
        for _ in range(self._max_in_flight):
            self._slots.release()

    async def run(self) -> None:
        recorder = asyncio.create_task(
            self._recorder.run(), name=f"outbox-recorder-{self.platform}"
        )
        claimer = asyncio.create_task(self._claimer(), name=f"outbox-claimer-{self.platform}")
        sharing = (
            asyncio.create_task(self._rate.run(), name=f"outbox-share-{self.platform}")
            if self._rate is not None
            else None
        )
        self._senders = [
            asyncio.create_task(self._sender(), name=f"outbox-sender-{self.platform}-{i}")
            for i in range(self._max_in_flight)
        ]
        try:
            await self._loop()
        finally:
            self._stopping = True
            self._claim_signal.set()
            await claimer
            if self._clearing is not None:
                self._clearing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._clearing
            unsent = await self._stop_senders()
            # Outcomes first: a part recorded as out must be on disk before its row is
            # given back, or the next run would send that part again.
            self._recorder.close()
            await recorder
            await self._release(unsent)
            if sharing is not None:
                assert self._rate is not None
                self._rate.stop()
                await sharing

    async def _stop_senders(self) -> list[int]:
        """Let sends in flight finish (bounded); what they and the queues still hold."""
        for _ in self._senders:
            self._jobs.put_nowait(None)
        if self._senders:
            _, pending = await asyncio.wait(set(self._senders), timeout=self._grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if pending:
                log.warning(
                    "%s: %d sends still waiting for the platform at stop; given back",
                    self.platform,
                    len(self._sending),
                )
        unsent = [row.id for chat in self._chats.values() for row in chat.rows]
        unsent += list(self._sending)
        self._chats.clear()
        self._buffered.clear()
        self._sending.clear()
        self._forget_clearances()
        return unsent

    async def _release(self, unsent: list[int]) -> None:
        if unsent:
            async with self._db.transaction() as tx:
                await tx.outbox.release(unsent, self.owner)
            log.info("%s: released %d claimed deliveries at stop", self.platform, len(unsent))

    # --- scheduling --------------------------------------------------------------------

    async def _loop(self) -> None:
        while not self._stopping:
            self._pacer.tick()
            if self._clearances:
                self._apply_clearances()
            chat_key, wait = self._pick()
            if chat_key is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), min(wait, POLL_SECONDS))
                continue
            await self._slots.acquire()
            if self.stopping:  # woken by stop(), not by a free slot
                break
            if time.monotonic() > self._lease_valid_until:
                self._slots.release()
                self._drop_unleased()
                continue
            chat = self._chats.get(chat_key)
            if chat is None or chat.busy or not chat.rows:
                self._slots.release()
                continue
            head = chat.rows[0]
            if head.id in self._awaiting_go:
                # Asked only now that it would go at once: a send waiting for a slot is
                # not on its way, and a cancellation must still be able to stop it.
                self._slots.release()
                await self._wait_for_go(chat_key, head)
                continue
            if self._awaiting_go and len(self._cleared) < self._ahead // 2:
                self._clear_ahead()
            self._start_send(chat_key)

    # --- the go-ahead of stoppable copies ------------------------------------------------

    async def _wait_for_go(self, key: str, head: OutboxRow) -> None:
        """The chat's next row needs its go-ahead: ask for it first, and wait."""
        heapq.heappush(self._ready, (head.priority, head.id, key))
        self._urgent.append(head.id)
        self._clear_ahead()
        clearing = self._clearing
        if clearing is not None:
            await asyncio.wait({clearing})

    def _measure_pace(self) -> int:
        """Rows to clear in advance: what this worker answered in about the last
        `CLEAR_AHEAD_SECONDS` (none after a quiet or stuck moment), so that what a
        cancellation can no longer stop is about that long of sending."""
        now = time.monotonic()
        since, answered = self._pace_mark
        elapsed = now - since
        if elapsed > CLEAR_AHEAD_SECONDS:
            self._pace = 0.0
            self._pace_mark = (now, self._answered)
        elif elapsed >= PACE_SAMPLE_SECONDS:
            self._pace = (self._answered - answered) / elapsed
            self._pace_mark = (now, self._answered)
        self._ahead = min(CLEAR_BATCH, int(self._pace * CLEAR_AHEAD_SECONDS))
        return self._ahead

    def _clear_ahead(self) -> None:
        if self._clearing is None or self._clearing.done():
            self._clearing = asyncio.create_task(
                self._clear(), name=f"outbox-clear-{self.platform}"
            )

    async def _clear(self) -> None:
        """Ask the store for the go-ahead of the next batch (see the module's docstring)."""
        batch: list[int] = []
        for row_id in self._urgent:
            if row_id in self._awaiting_go and row_id not in batch:
                batch.append(row_id)
        self._urgent.clear()
        asked = set(batch)
        # One line may carry a message to several rooms (IRC): clear its companions too.
        together = (
            min(MAX_GROUP, max(1, self._multi_target.max_targets))
            if self._multi_target is not None
            else 1
        )
        wanted = max(together, self._measure_pace())
        while self._to_clear and len(batch) < wanted:
            row_id = self._to_clear.popleft()
            if row_id in self._awaiting_go and row_id not in asked:
                batch.append(row_id)
                asked.add(row_id)
        if not batch:
            return
        try:
            async with self._db.transaction() as tx:
                found = await tx.outbox.clear_to_send(batch, self.owner)
                changed = {
                    row_id: payload_id
                    for row_id, payload_id in found.items()
                    if row_id in self._awaiting_go
                    and self._awaiting_go[row_id].payload_id != payload_id
                }
                texts = await tx.outbox.messages(changed.values()) if changed else {}
        except Exception as error:
            log.warning(
                "%s: go-ahead of %d claimed copies not obtained (%s); asked again",
                self.platform,
                len(batch),
                redact_patterns(str(error)),
            )
            self._to_clear.extendleft(reversed(batch))
            await asyncio.sleep(0.5)
            return
        rewritten = {row_id: texts[payload_id] for row_id, payload_id in changed.items()}
        self._clearances.append((batch, found, rewritten))
        self._wake.set()

    def _apply_clearances(self) -> None:
        """Between two sends: cleared rows may go, stopped ones leave memory unsent."""
        stopped: list[OutboxRow] = []
        rewritten: dict[int, tuple[OutboxRow, OutgoingMessage, int]] = {}
        for batch, found, texts in self._clearances:
            for row_id in batch:
                row = self._awaiting_go.pop(row_id, None)
                if row is None:
                    continue  # dropped meanwhile (its chat gone, a stop)
                payload_id = found.get(row_id)
                if payload_id is None:
                    stopped.append(row)
                    continue
                self._cleared.add(row_id)
                text = texts.get(row_id)
                if text is not None:
                    rewritten[row_id] = (row, text, payload_id)
        self._clearances.clear()
        touched: set[str] = set()
        for row, text, payload_id in rewritten.values():
            chat = self._chats.get(row.target.address)
            if chat is None:
                continue
            for index, queued in enumerate(chat.rows):
                if queued.id == row.id:
                    chat.rows[index] = dataclasses.replace(
                        queued, message=text, payload_id=payload_id
                    )
        if not stopped:
            return
        gone = {row.id for row in stopped}
        for row in stopped:
            key = row.target.address
            chat = self._chats.get(key)
            if chat is not None:
                chat.rows = [queued for queued in chat.rows if queued.id not in gone]
                touched.add(key)
        self._forget(stopped)
        for key in touched:
            chat = self._chats.get(key)
            if chat is not None and not chat.busy:
                self._requeue(key)
        self.stats.stopped += len(stopped)
        log.info(
            "%s: %d claimed copies dropped unsent: cancelled, or taken back by another worker"
            " (outbox %s)",
            self.platform,
            len(stopped),
            ",".join(str(row.id) for row in stopped[:20]),
        )

    def _forget_clearances(self) -> None:
        self._awaiting_go.clear()
        self._to_clear.clear()
        self._urgent.clear()
        self._cleared.clear()
        self._clearances.clear()

    async def _claimer(self) -> None:
        """Keeps the buffer fed from the database, so sending never waits on a query."""
        while not self._stopping:
            if time.monotonic() - self._last_renewal >= self._renew_every:
                await self._renew()
            if not self._claim_wanted:
                self._claim_signal.clear()
                # Leases are renewed from this loop: never sleep past a renewal.
                renew_in = self._renew_every - (time.monotonic() - self._last_renewal)
                timeout = min(await self._idle_wait(), max(0.05, renew_in))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._claim_signal.wait(), timeout)
                self._claim_wanted = True  # woken, or time to poll for due retries
                continue
            before = len(self._buffered)
            await self._claim()
            if len(self._buffered) != before:
                self._wake.set()

    async def _idle_wait(self) -> float:
        """Until the next poll: a second alone; shared, until the next retry is due (new
        rows wake the worker by NOTIFY), at most `SHARED_POLL_SECONDS`. Busy (rows in
        memory), the worker wakes the claimer itself when it wants more."""
        if not self._shared or self._buffered or not self._drained:
            return self._poll
        async with self._db.reading() as tx:
            due = await tx.outbox.next_due(self.platform)
        if due is None:
            return self._poll
        return min(self._poll, max(0.05, due - self._clock()))

    def _held_rooms(self) -> list[str]:
        """Rooms this worker has rows for, or sent to within a room's window."""
        horizon = time.monotonic() - ROOM_WINDOW_SECONDS
        self._room_sent = {k: at for k, at in self._room_sent.items() if at > horizon}
        held = set(self._room_sent)
        for key, chat in self._chats.items():
            if any(row.target.kind is TargetKind.ROOM for row in chat.rows):
                held.add(key)
        return sorted(held)

    def _drop_unleased(self) -> None:
        """Our leases may have run out (renewals failed): another process may hold these
        rows now. Sending them could send them twice; drop them from memory instead."""
        dropped = len(self._buffered)
        for chat in self._chats.values():
            chat.rows.clear()
        self._buffered.clear()
        self._forget_clearances()
        self._ready.clear()
        self._waiting.clear()
        self.stats.buffered = 0
        self._drained = False
        self._claim_wanted = True
        self._claim_signal.set()
        if dropped:
            log.warning(
                "%s: leases not renewed in time; %d claimed deliveries left to others",
                self.platform,
                dropped,
            )

    async def _renew(self) -> None:
        """Extend the leases this worker holds; take back claims whose lease ran out."""
        self._last_renewal = time.monotonic()
        now = self._clock()
        async with self._db.transaction() as tx:
            await tx.outbox.renew_leases(self.platform, self.owner, now + self._lease)
            if self._hold_rooms:
                await tx.outbox.hold_rooms(
                    self.platform, self._held_rooms(), self.owner, now + self._lease
                )
            taken = await tx.outbox.take_back_expired(self.platform, now)
        self._lease_valid_until = self._last_renewal + self._lease * 2 / 3
        if taken:
            log.warning("%s: took back %d deliveries whose lease ran out", self.platform, taken)
            self.wake()

    async def _claim(self) -> None:
        """Top the buffer up when it runs low; when it is not low, take only more urgent rows."""
        self._claim_wanted = False
        room = self._buffer_size - len(self._buffered)
        below: int | None = None
        if room < self._buffer_size // 2:
            # Busy with lower-priority work: still let more urgent rows in at once.
            worst = max((c.rows[-1].priority for c in self._chats.values() if c.rows), default=0)
            if worst == 0:
                return
            below, room = worst, CLAIM_BATCH
        started = time.monotonic()
        # At a pace that sends everything held within the clearing window (an unpaced
        # platform, thousands a second), the claim itself is the go-ahead: no transaction
        # of its own per batch, and what a cancellation cannot stop is the same half second.
        self._measure_pace()
        cleared = self._pace * CLEAR_AHEAD_SECONDS >= len(self._buffered) + CLAIM_BATCH
        async with self._db.transaction() as tx:
            rows = await tx.outbox.claim_due(
                self.platform,
                self._clock(),
                min(room, CLAIM_BATCH),
                self._lease,
                below_priority=below,
                owner=self.owner,
                hold_rooms=self._hold_rooms,
                cleared=cleared,
            )
        if rows and not self._buffered:
            # Everything held was claimed just now: the lease counts from this claim.
            self._lease_valid_until = started + self._lease * 2 / 3
        if self.stopping:
            # Claimed while a stop began: give them back at once.
            async with self._db.transaction() as tx:
                await tx.outbox.release([row.id for row in rows], self.owner)
            return
        for row in rows:
            self._add(row, cleared)
        if self._awaiting_go and len(self._cleared) < self._ahead // 2:
            self._clear_ahead()
        if below is None:
            self._drained = len(rows) < min(room, CLAIM_BATCH)
            if not self._drained:
                self._claim_wanted = True  # probably more waiting
        self.stats.buffered = len(self._buffered)

    def _add(self, row: OutboxRow, cleared: bool = False) -> None:
        self._buffered.add(row.id)
        if not cleared and stoppable(row.subject, row.edit_of):
            self._awaiting_go[row.id] = row
            self._to_clear.append(row.id)
        key = row.target.address
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat()
        if chat.rows and _order(chat.rows[-1]) > _order(row):
            chat.rows.append(row)
            chat.rows.sort(key=_order)
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
        if head.edit_of is not None or head.parts_sent or not self._pacer.limits_chat():
            return [chat.rows.pop(0)], head.message
        candidates: list[OutboxRow] = []
        for row in chat.rows:
            if (
                row.priority != head.priority
                or row.edit_of is not None
                or row.parts_sent
                or row.id in self._awaiting_go
            ):
                break
            candidates.append(row)
        if len(candidates) == 1:
            return [chat.rows.pop(0)], head.message
        message, used = merge(
            [row.message for row in candidates],
            self._transport.limits.max_text_length,
            self._delivery.measure,
            self._transport.limits.max_merged,
        )
        taken = chat.rows[:used]
        del chat.rows[:used]
        return taken, message

    def _start_send(self, key: str) -> None:
        chat = self._chats[key]
        rows, message = self._take(chat)
        chat.busy = True
        self._in_progress += 1
        for row in rows:
            self._sending[row.id] = row
            self._cleared.discard(row.id)
        # The slot is taken now, not when a sender picks the job up: the loop picks
        # several chats before any sender runs, and each must see the others' slots.
        self._pacer.acquire(key, rows[0].target.kind is TargetKind.ROOM)
        if (
            self._multi_target is not None
            and len(rows) == 1
            and rows[0].id not in self._solo
            and not rows[0].parts_sent
        ):
            group = self._companions(rows[0])
            if group:
                for _, _, row in group:
                    self._sending[row.id] = row
                    self._cleared.discard(row.id)
                self._jobs.put_nowait((key, chat, rows, message, group))
                return
        self._jobs.put_nowait((key, chat, rows, message, []))

    def _companions(self, head: OutboxRow) -> list[tuple[str, _Chat, OutboxRow]]:
        """Other ready rooms whose next row is the same new message (one alert's copies)."""
        if head.edit_of is not None or head.target.kind is not TargetKind.ROOM:
            return []
        assert self._multi_target is not None
        found: list[tuple[str, _Chat, OutboxRow]] = []
        most = min(MAX_GROUP, max(1, self._multi_target.max_targets))
        now = self._pacer_now()
        while self._ready and len(found) < most - 1:
            priority, row_id, key = self._ready[0]
            chat = self._chats.get(key)
            if chat is None or chat.busy or not chat.rows or chat.rows[0].id != row_id:
                heapq.heappop(self._ready)
                continue
            row = chat.rows[0]
            if (
                priority != head.priority
                or row.edit_of is not None
                or row.parts_sent
                or row.target.kind is not TargetKind.ROOM
                or row.message != head.message
                or row.id in self._solo
                or row.id in self._awaiting_go
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
        if is_group and self._hold_rooms:
            self._room_sent[key] = time.monotonic()
        self.stats.in_flight += 1
        try:
            step = await self._delivery.step(rows, message)
        finally:
            self._pacer.release(key, is_group)
            self.stats.in_flight -= 1
            chat.busy = False
            self._slots.release()
        self._answered += len(rows)
        outcomes = step.outcomes
        if step.rate_limit is not None:
            error = step.rate_limit
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
            if scope is None:
                await self._persist_pause(self._clock() + error.retry_after)
        if step.gone is not None:
            outcomes = outcomes + [Failed(r.id, step.gone) for r in chat.rows]
            self._forget(chat.rows)
            chat.rows.clear()
            await self._gone(head, step.gone)
        elif len(rows) > 1 and any(isinstance(o, Sent) for o in outcomes):
            log.info("%s:%s: %d messages merged into one", self.platform, key, len(rows))
        for row in rows:
            self._sending.pop(row.id, None)
        if step.more is not None:
            chat.rows.insert(0, step.more)
        else:
            self._forget(rows)
        self._conclude(outcomes)
        self._requeue(key)
        self._wake.set()

    async def _send_group(
        self, key: str, chat: _Chat, head: OutboxRow, group: list[tuple[str, _Chat, OutboxRow]]
    ) -> None:
        """One message to several rooms in one send; if it fails, each row goes alone."""
        transport = self._multi_target
        assert transport is not None
        members = [(key, chat, head), *group]
        for member_key, _, _ in group:
            self._pacer.acquire(member_key, True)  # the head's slot was taken at pick time
        if self._hold_rooms:
            for member_key, _, _ in members:
                self._room_sent[member_key] = time.monotonic()
        self.stats.in_flight += 1
        try:
            refs = await transport.send_many([row.target for _, _, row in members], head.message)
            now = self._clock()
            outcomes: list[Outcome] = [
                Sent(row.id, ref, now) for (_, _, row), ref in zip(members, refs, strict=True)
            ]
        except Exception as error:
            # Nothing was sent: back to their queues, to go one by one.
            log.info(
                "%s: multi-target send not done (%s); rows go one by one",
                self.platform,
                redact_patterns(str(error)),
            )
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
        self._answered += len(members)
        for _, _, row in members:
            self._sending.pop(row.id, None)
        if outcomes:
            self._forget([row for _, _, row in members])
            self._conclude(outcomes)
        for member_key, _, _ in members:
            self._requeue(member_key)
        self._wake.set()

    def _conclude(self, outcomes: list[Outcome]) -> None:
        if outcomes:
            self._recorder.add(outcomes)
            for outcome in outcomes:
                if isinstance(outcome, Sent):
                    self.failing_since = None
                elif (
                    isinstance(outcome, Retry)
                    and not outcome.rate_limited
                    and self.failing_since is None
                ):
                    self.failing_since = self._clock()

    def _forget(self, rows: list[OutboxRow]) -> None:
        for row in rows:
            self._buffered.discard(row.id)
            self._solo.discard(row.id)
            self._cleared.discard(row.id)
            self._awaiting_go.pop(row.id, None)
        self.stats.buffered = len(self._buffered)
        if len(self._buffered) < self._buffer_size // 2 and not self._claim_wanted:
            self._claim_wanted = True
            self._claim_signal.set()

    async def _gone(self, row: OutboxRow, error: str) -> None:
        target = row.target
        async with self._db.transaction() as tx:
            dropped = await tx.outbox.fail_pending_for(target, error)
            if target.kind is TargetKind.ROOM:
                await tx.rooms.mark_unreachable(target.platform, target.address, error)
            else:
                await tx.members.mark_unreachable(target.platform, target.address, error)
        self.stats.gone += 1
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
            await tx.delivery_minutes.add(
                self.platform, minute_of(self._clock()), Counter(paused=1)
            )
        self.stats.pauses += 1

    @property
    def looks_idle(self) -> bool:
        """Nothing in memory and the last look at the database found nothing due."""
        return (
            self._drained
            and not self._buffered
            and self._in_progress == 0
            and self._recorder.unrecorded == 0
            and not self._claim_wanted
        )

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def sent(self) -> int:
        return self._recorder.sent

    @property
    def failed(self) -> int:
        return self._recorder.failed

    @property
    def outcomes(self) -> Counter[str]:
        """Outcomes recorded since start, by kind: /metrics reads them."""
        return self._recorder.outcomes

    @property
    def paused_for(self) -> float:
        return max(0.0, self._pacer.paused_until_monotonic - time.monotonic())
