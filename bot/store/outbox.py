"""The durable outbox: every promised delivery is a row before the bot answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import aiosqlite

from bot.domain.messages import OutgoingMessage, SentRef, Target, TargetKind


class Priority:
    """Lower is sooner. Replies and alerts first, pushes and digests last."""

    REPLY = 0
    ALERT = 10
    TASK = 20
    PUSH = 30
    DIGEST = 40


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    target: Target
    message: OutgoingMessage
    lang: str | None
    priority: int
    subject: str | None
    edit_of: int | None
    status: str
    attempts: int
    sent_ref: SentRef | None
    last_error: str | None
    coalesced: bool = False


@dataclass(frozen=True, slots=True)
class PlatformCounts:
    platform: str
    queued: int
    in_flight: int
    sent_last_minute: int
    failed: int
    paused_until: float | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    row_id: int
    ref: SentRef | None
    at: float
    coalesced: bool = False


@dataclass(frozen=True, slots=True)
class Retry:
    row_id: int
    not_before: float
    error: str
    count_attempt: bool = True


@dataclass(frozen=True, slots=True)
class Failed:
    row_id: int
    error: str
    status: str = "failed"


Outcome = Sent | Retry | Failed


@lru_cache(maxsize=1024)
def _message(payload: str) -> OutgoingMessage:
    """A fan-out stores one payload many times: parse each distinct one once."""
    return OutgoingMessage.from_json(json.loads(payload))


_KINDS = {kind.value: kind for kind in TargetKind}


_COLUMNS = (
    "id, platform, target_kind, address, payload, lang, priority, subject, edit_of, status,"
    " attempts, sent_ref, last_error, coalesced"
)


def _row(row: aiosqlite.Row) -> OutboxRow:
    """Positional unpacking: a claim decodes thousands of rows at a time."""
    (
        row_id,
        platform,
        kind,
        address,
        payload,
        lang,
        priority,
        subject,
        edit_of,
        status,
        attempts,
        sent_ref,
        last_error,
        coalesced,
    ) = row
    return OutboxRow(
        id=row_id,
        target=Target(platform, _KINDS[kind], address),
        message=_message(payload),
        lang=lang,
        priority=priority,
        subject=subject,
        edit_of=edit_of,
        status=status,
        attempts=attempts,
        sent_ref=SentRef.from_json(json.loads(sent_ref)) if sent_ref else None,
        last_error=last_error,
        coalesced=bool(coalesced),
    )


def _payload(message: OutgoingMessage) -> str:
    return json.dumps(message.to_json(), ensure_ascii=False)


class OutboxRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def enqueue(
        self,
        target: Target,
        message: OutgoingMessage,
        priority: int,
        *,
        subject: str | None = None,
        edit_of: int | None = None,
        not_before: float | None = None,
        lang: str | None = None,
    ) -> int:
        now = time.time()
        cur = await self._conn.execute(
            "INSERT INTO outbox (platform, target_kind, address, payload, lang, priority, subject,"
            " edit_of, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                target.platform,
                target.kind.value,
                target.address,
                _payload(message),
                lang,
                priority,
                subject,
                edit_of,
                not_before if not_before is not None else now,
                now,
            ),
        )
        return int(cur.lastrowid or 0)

    async def enqueue_many(
        self,
        rows: Sequence[tuple[Target, OutgoingMessage, str | None]],
        priority: int,
        *,
        subject: str | None = None,
    ) -> None:
        """One statement for a whole fan-out; (target, message, lang) per row."""
        now = time.time()
        payloads: dict[int, str] = {}
        params: list[tuple[object, ...]] = []
        for target, message, lang in rows:
            payload = payloads.get(id(message))
            if payload is None:
                payload = payloads[id(message)] = _payload(message)
            params.append(
                (
                    target.platform,
                    target.kind.value,
                    target.address,
                    payload,
                    lang,
                    priority,
                    subject,
                    now,
                    now,
                )
            )
        await self._conn.executemany(
            "INSERT INTO outbox (platform, target_kind, address, payload, lang, priority, subject,"
            " not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params,
        )

    async def copies(self, subject: str) -> list[OutboxRow]:
        """Every original (non-edit) row sent or to be sent for one subject."""
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE subject = ? AND edit_of IS NULL ORDER BY id",
            (subject,),
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def replace_payload(self, row_id: int, message: OutgoingMessage) -> bool:
        """Rewrite a row not yet handed to a platform; False if it is already on its way."""
        cur = await self._conn.execute(
            "UPDATE outbox SET payload = ? WHERE id = ? AND status = 'pending'",
            (_payload(message), row_id),
        )
        return cur.rowcount > 0

    async def get(self, row_id: int) -> OutboxRow | None:
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (row_id,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _row(row)

    # --- used by the delivery engine -------------------------------------------------

    async def release_all_leases(self) -> int:
        """At start: rows a dead process had claimed go back to the queue."""
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'pending', lease_until = NULL WHERE status = 'sending'"
        )
        return cur.rowcount

    async def claim_due(
        self,
        platform: str,
        now: float,
        limit: int,
        lease_seconds: float,
        *,
        below_priority: int | None = None,
    ) -> list[OutboxRow]:
        """Take due rows in (priority, id) order and mark them `sending` under a lease."""
        inner = (
            "SELECT id FROM outbox WHERE platform = ? AND status = 'pending' AND not_before <= ?"
        )
        params: list[object] = [now + lease_seconds, platform, now]
        if below_priority is not None:
            inner += " AND priority < ?"
            params.append(below_priority)
        inner += " ORDER BY priority, id LIMIT ?"
        params.append(limit)
        async with self._conn.execute(
            "UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1"
            f" WHERE id IN ({inner}) RETURNING {_COLUMNS}",
            params,
        ) as cur:
            rows = [_row(r) for r in await cur.fetchall()]
        rows.sort(key=lambda row: (row.priority, row.id))
        return rows

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write a batch of delivery outcomes in one go."""
        sent = [o for o in outcomes if isinstance(o, Sent)]
        retries = [o for o in outcomes if isinstance(o, Retry)]
        failed = [o for o in outcomes if isinstance(o, Failed)]
        if sent:
            await self._conn.executemany(
                "UPDATE outbox SET status = 'sent', sent_ref = ?, sent_at = ?, coalesced = ?,"
                " lease_until = NULL, last_error = NULL WHERE id = ?",
                [
                    (
                        json.dumps(o.ref.to_json()) if o.ref else None,
                        o.at,
                        int(o.coalesced),
                        o.row_id,
                    )
                    for o in sent
                ],
            )
        if retries:
            await self._conn.executemany(
                "UPDATE outbox SET status = 'pending', not_before = ?, lease_until = NULL,"
                " last_error = ?, attempts = attempts - ? WHERE id = ?",
                [
                    (o.not_before, o.error[:500], 0 if o.count_attempt else 1, o.row_id)
                    for o in retries
                ],
            )
        if failed:
            await self._conn.executemany(
                "UPDATE outbox SET status = ?, lease_until = NULL, last_error = ? WHERE id = ?",
                [(o.status, o.error[:500], o.row_id) for o in failed],
            )

    async def release(self, row_ids: Sequence[int]) -> None:
        """Claimed rows that were not sent go back to the queue untouched."""
        await self._conn.executemany(
            "UPDATE outbox SET status = 'pending', lease_until = NULL,"
            " attempts = MAX(attempts - 1, 0) WHERE id = ? AND status = 'sending'",
            [(row_id,) for row_id in row_ids],
        )

    async def retry_now(self, platform: str, now: float) -> int:
        """Rows waiting out a retry delay become due (the platform's link is back)."""
        cur = await self._conn.execute(
            "UPDATE outbox SET not_before = ? WHERE platform = ? AND status = 'pending'"
            " AND not_before > ? AND last_error IS NOT NULL",
            (now, platform, now),
        )
        return cur.rowcount

    async def purge(self, before: float, limit: int = 10_000) -> int:
        """Delete finished rows created before `before`, a batch at a time.

        Rows an unfinished edit still points to are kept: the edit needs their ref.
        """
        cur = await self._conn.execute(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
            " WHERE status IN ('sent', 'failed', 'skipped') AND created_at < ?"
            " AND id NOT IN (SELECT edit_of FROM outbox WHERE edit_of IS NOT NULL"
            "  AND status IN ('pending', 'sending'))"
            " LIMIT ?)",
            (before, limit),
        )
        return cur.rowcount

    async def fail_pending_for(self, target: Target, error: str) -> int:
        """The target is gone for good: stop queueing for it."""
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE platform = ?"
            " AND target_kind = ? AND address = ? AND status = 'pending'",
            (error[:500], target.platform, target.kind.value, target.address),
        )
        return cur.rowcount

    async def busy_count(self, platforms: Iterable[str], due_by: float) -> int:
        """Rows being sent, or due by `due_by`, on these platforms: what a drain waits for."""
        names = list(platforms)
        if not names:
            return 0
        marks = ",".join("?" for _ in names)
        async with self._conn.execute(
            f"SELECT COUNT(*) FROM outbox WHERE platform IN ({marks}) AND"
            " (status = 'sending' OR (status = 'pending' AND not_before <= ?))",
            (*names, due_by),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def set_paused(self, platform: str, until: float | None) -> None:
        await self._conn.execute(
            "INSERT INTO delivery_state (platform, paused_until, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(platform) DO UPDATE SET paused_until = excluded.paused_until,"
            " updated_at = excluded.updated_at",
            (platform, until, time.time()),
        )

    async def counts(self, now: float) -> list[PlatformCounts]:
        async with self._conn.execute(
            "SELECT o.platform,"
            " SUM(o.status = 'pending') AS queued,"
            " SUM(o.status = 'sending') AS in_flight,"
            " SUM(o.status = 'sent' AND o.sent_at >= ?) AS sent_last_minute,"
            " SUM(o.status = 'failed') AS failed,"
            " (SELECT paused_until FROM delivery_state d WHERE d.platform = o.platform"
            "  AND d.paused_until > ?) AS paused_until"
            " FROM outbox o GROUP BY o.platform ORDER BY o.platform",
            (now - 60, now),
        ) as cur:
            rows = await cur.fetchall()
        return [
            PlatformCounts(
                r["platform"],
                int(r["queued"] or 0),
                int(r["in_flight"] or 0),
                int(r["sent_last_minute"] or 0),
                int(r["failed"] or 0),
                r["paused_until"],
            )
            for r in rows
        ]

    async def failures(self, limit: int = 20) -> list[OutboxRow]:
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?",
            (limit,),
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]
