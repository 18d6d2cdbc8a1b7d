"""The durable outbox: every promised delivery is a row before the bot answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class PlatformCounts:
    platform: str
    queued: int
    in_flight: int
    sent_last_minute: int
    failed: int


def _row(row: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        target=Target(row["platform"], TargetKind(row["target_kind"]), row["address"]),
        message=OutgoingMessage.from_json(json.loads(row["payload"])),
        lang=row["lang"],
        priority=row["priority"],
        subject=row["subject"],
        edit_of=row["edit_of"],
        status=row["status"],
        attempts=row["attempts"],
        sent_ref=SentRef.from_json(json.loads(row["sent_ref"])) if row["sent_ref"] else None,
        last_error=row["last_error"],
    )


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
                json.dumps(message.to_json(), ensure_ascii=False),
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
        rows: list[tuple[Target, OutgoingMessage, str | None]],
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
                payload = json.dumps(message.to_json(), ensure_ascii=False)
                payloads[id(message)] = payload
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
            "SELECT * FROM outbox WHERE subject = ? AND edit_of IS NULL ORDER BY id", (subject,)
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]

    async def replace_payload(self, row_id: int, message: OutgoingMessage) -> bool:
        """Rewrite a row not yet handed to a platform; False if it is already on its way."""
        cur = await self._conn.execute(
            "UPDATE outbox SET payload = ? WHERE id = ? AND status = 'pending'",
            (json.dumps(message.to_json(), ensure_ascii=False), row_id),
        )
        return cur.rowcount > 0

    async def get(self, row_id: int) -> OutboxRow | None:
        async with self._conn.execute("SELECT * FROM outbox WHERE id = ?", (row_id,)) as cur:
            row = await cur.fetchone()
        return None if row is None else _row(row)

    # --- used by the delivery engine -------------------------------------------------

    async def release_all_leases(self) -> int:
        """At start: rows a dead process was sending go back to the queue."""
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'pending', lease_until = NULL WHERE status = 'sending'"
        )
        return cur.rowcount

    async def release_expired_leases(self, now: float) -> int:
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'pending', lease_until = NULL"
            " WHERE status = 'sending' AND lease_until < ?",
            (now,),
        )
        return cur.rowcount

    async def claim_due(
        self, platform: str, now: float, limit: int, lease_seconds: float
    ) -> list[OutboxRow]:
        async with self._conn.execute(
            "SELECT * FROM outbox WHERE platform = ? AND status = 'pending' AND not_before <= ?"
            " ORDER BY priority, id LIMIT ?",
            (platform, now, limit),
        ) as cur:
            rows = [_row(r) for r in await cur.fetchall()]
        if rows:
            await self._conn.executemany(
                "UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1"
                " WHERE id = ?",
                [(now + lease_seconds, row.id) for row in rows],
            )
        return rows

    async def mark_sent(self, row_id: int, ref: SentRef | None, now: float) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'sent', sent_ref = ?, sent_at = ?, lease_until = NULL,"
            " last_error = NULL WHERE id = ?",
            (json.dumps(ref.to_json()) if ref else None, now, row_id),
        )

    async def retry_later(self, row_id: int, not_before: float, error: str) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, lease_until = NULL,"
            " last_error = ? WHERE id = ?",
            (not_before, error[:500], row_id),
        )

    async def defer(self, row_id: int, not_before: float) -> None:
        """Give a claimed row back without counting it as an attempt (pacing, not failure)."""
        await self._conn.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, lease_until = NULL,"
            " attempts = MAX(attempts - 1, 0) WHERE id = ?",
            (not_before, row_id),
        )

    async def mark_failed(self, row_id: int, error: str, status: str = "failed") -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = ?, lease_until = NULL, last_error = ? WHERE id = ?",
            (status, error[:500], row_id),
        )

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

    async def counts(self, now: float) -> list[PlatformCounts]:
        async with self._conn.execute(
            "SELECT platform,"
            " SUM(status = 'pending') AS queued,"
            " SUM(status = 'sending') AS in_flight,"
            " SUM(status = 'sent' AND sent_at >= ?) AS sent_last_minute,"
            " SUM(status = 'failed') AS failed"
            " FROM outbox GROUP BY platform ORDER BY platform",
            (now - 60,),
        ) as cur:
            rows = await cur.fetchall()
        return [
            PlatformCounts(
                r["platform"],
                int(r["queued"] or 0),
                int(r["in_flight"] or 0),
                int(r["sent_last_minute"] or 0),
                int(r["failed"] or 0),
            )
            for r in rows
        ]

    async def failures(self, limit: int = 20) -> list[OutboxRow]:
        async with self._conn.execute(
            "SELECT * FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            return [_row(r) for r in await cur.fetchall()]
