"""One delivery step: one part of a message to one chat, and what it came to.

A message the transport splits (`PartSender`) goes one part per step: the
worker paces each step, and a part that went out is recorded (`Progress`)
before the next, so a retry resumes from the part that failed instead of
sending the first ones again. Edits of a split message go part by part too.
Every error text is redacted before it is kept or logged.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.domain.messages import OutgoingMessage, SentRef
from bot.store.database import Database
from bot.store.outbox import Failed, OutboxRow, Outcome, Progress, Retry, Sent
from bot.transports.base import (
    PartSender,
    PermanentError,
    RateLimited,
    TransientError,
    Transport,
    Undeliverable,
)

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0
MAX_ATTEMPTS = 50
EDIT_WAIT_SECONDS = 1.0


def backoff_delay(attempts: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential, with jitter on the upper half, capped."""
    base = min(MAX_BACKOFF_SECONDS, 2.0 ** min(attempts, 16))
    return base / 2 + rng() * base / 2


@dataclass
class Step:
    outcomes: list[Outcome] = field(default_factory=list)
    more: OutboxRow | None = None
    """The head row with its progress, when parts remain: it stays first in its chat."""
    rate_limit: RateLimited | None = None
    gone: str | None = None
    """The chat or user is gone for good (this error text); its other rows are dropped."""


class PartDelivery:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        clock: Callable[[], float],
        *,
        redact: Callable[[str], str],
        max_rate_limited: int,
    ) -> None:
        self._db = db
        self._transport = transport
        self._clock = clock
        self._redact = redact
        self._max_rate_limited = max_rate_limited
        self.platform = transport.platform
        self._parts: PartSender | None = transport if isinstance(transport, PartSender) else None

    def measure(self, message: OutgoingMessage) -> int:
        """What merging counts: the platform's own unit where the transport says it."""
        if self._parts is not None:
            return self._parts.measure(message)
        return len(message.text)

    async def step(self, rows: Sequence[OutboxRow], message: OutgoingMessage) -> Step:
        head = rows[0]
        try:
            if head.edit_of is not None:
                return await self._edit(head)
            if message.video is not None and not self._transport.limits.can_upload:
                skipped = "this platform takes no uploads"
                return Step([Failed(r.id, skipped, "skipped") for r in rows])
            if message.document is not None and not self._transport.limits.can_send_files:
                skipped = "this platform takes no files"
                return Step([Failed(r.id, skipped, "skipped") for r in rows])
            return await self._send(rows, message)
        except RateLimited as error:
            return Step([self._rate_limited(r, error) for r in rows], rate_limit=error)
        except Undeliverable as error:
            text = self._redact(str(error))
            log.warning("%s outbox %d not deliverable here: %s", self.platform, head.id, text)
            return Step([Failed(r.id, text, "skipped") for r in rows])
        except PermanentError as error:
            text = self._redact(str(error))
            return Step([Failed(r.id, text) for r in rows], gone=text)
        except Exception as error:  # TransientError, or a bug: retried either way
            text = self._redact(f"{type(error).__name__}: {error}")
            if not isinstance(error, TransientError):
                log.error(
                    "%s: unexpected error sending outbox %d: %s",
                    self.platform,
                    head.id,
                    text,
                    exc_info=not isinstance(error, OSError),
                )
            return Step([self.retry(row, text) for row in rows])

    async def _send(self, rows: Sequence[OutboxRow], message: OutgoingMessage) -> Step:
        head = rows[0]
        merged = len(rows) > 1
        if self._parts is None:
            ref = await self._transport.send(head.target, message)
            return Step([Sent(row.id, ref, self._clock(), merged) for row in rows])
        index = head.parts_sent
        part = await self._parts.send_part(head.target, message, index)
        earlier = head.sent_ref.message_ids if head.sent_ref is not None and index else ()
        ref = SentRef(part.ref.platform, part.ref.chat_id, earlier + part.ref.message_ids)
        if index + 1 < part.parts and merged:
            # Merges are measured to fit one part; if the platform splits one anyway, the
            # rest goes at once (a retry of merged rows would repeat those parts).
            log.warning("%s: a merged message needed %d parts", self.platform, part.parts)
            for later in range(index + 1, part.parts):
                more = await self._parts.send_part(head.target, message, later)
                ref = SentRef(ref.platform, ref.chat_id, ref.message_ids + more.ref.message_ids)
            index = part.parts - 1
        if index + 1 < part.parts:
            advanced = dataclasses.replace(head, parts_sent=index + 1, sent_ref=ref)
            return Step([Progress(head.id, index + 1, ref)], more=advanced)
        return Step([Sent(row.id, ref, self._clock(), merged) for row in rows])

    async def _edit(self, row: OutboxRow) -> Step:
        async with self._db.transaction() as tx:
            original = await tx.outbox.get(row.edit_of or 0)
        if original is None or original.status in ("failed", "skipped"):
            return Step([Failed(row.id, "the original was never delivered", "skipped")])
        if original.status != "sent" or original.sent_ref is None:
            # Still queued or in flight: edit once it has landed.
            wait = self._clock() + EDIT_WAIT_SECONDS
            return Step([Retry(row.id, wait, "waiting for the original", count_attempt=False)])
        if not self._transport.limits.can_edit or original.coalesced:
            # A merged message holds other alerts too: say the change in a new message.
            return await self._send([row], row.message)
        ref = original.sent_ref
        if self._parts is None:
            await self._transport.edit(ref, row.message)
            return Step([Sent(row.id, ref, self._clock())])
        index = row.parts_sent
        await self._parts.edit_part(ref, row.message, index)
        if index + 1 < len(ref.message_ids):
            advanced = dataclasses.replace(row, parts_sent=index + 1)
            return Step([Progress(row.id, index + 1, ref)], more=advanced)
        return Step([Sent(row.id, ref, self._clock())])

    def _rate_limited(self, row: OutboxRow, error: RateLimited) -> Outcome:
        times = row.rate_limited + 1
        if times >= self._max_rate_limited:
            log.error(
                "outbox %d to %s: gave up after %d rate-limit answers", row.id, row.target, times
            )
            return Failed(
                row.id, f"gave up after {times} rate-limit answers ([delivery] max_rate_limited)"
            )
        until = self._clock() + error.retry_after
        return Retry(row.id, until, str(error), count_attempt=False, rate_limited=True)

    def retry(self, row: OutboxRow, error: str) -> Outcome:
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
