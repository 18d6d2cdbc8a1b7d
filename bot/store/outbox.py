"""The durable outbox: every promised delivery is a row before the bot answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.messages import OutgoingMessage, SentRef, Span, Target, TargetKind
from bot.store.connection import Connection, Row


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
    """When sent: every part's message id. Before: the ids of the parts already out."""
    last_error: str | None
    coalesced: bool = False
    parts_sent: int = 0
    rate_limited: int = 0
    payload_id: int = 0


@dataclass(frozen=True, slots=True)
class CopyRef:
    """An original row, without its payload: enough to decide whether and how to edit it."""

    id: int
    target: Target
    lang: str | None
    status: str
    coalesced: bool
    parts_sent: int = 0
    started: int = 0
    """Claimed copies of an alert or a push: 0 not cleared to go yet (still stoppable)."""


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
class Progress:
    """Some parts of a split message are out: never send them again."""

    row_id: int
    parts_sent: int
    ref: SentRef


@dataclass(frozen=True, slots=True)
class Retry:
    row_id: int
    not_before: float
    error: str
    count_attempt: bool = True
    rate_limited: bool = False
    """A rate-limit answer: not an attempt, but counted against `max_rate_limited`."""


@dataclass(frozen=True, slots=True)
class Failed:
    row_id: int
    error: str
    status: str = "failed"


Outcome = Sent | Progress | Retry | Failed

MAX_ERROR_LENGTH = 500

BACK_TO_QUEUE = "status = CASE WHEN started = 2 THEN 'skipped' ELSE 'pending' END"
"""A claimed row going back to the queue; one cleared to go whose alert or push was cancelled
since is skipped instead: the cancellation's answer counted it as on its way, and nothing
of a cancelled push may go out later (see `bot.domain.stoppable`)."""

EPHEMERAL_SUBJECT = "ephemeral"
"""Rows deleted as soon as their outcome is known: the goodbye to someone just forgotten,
whose address must not stay in the outbox."""


@lru_cache(maxsize=1024)
def _message(payload: str) -> OutgoingMessage:
    """Parse each distinct payload once: a claim decodes thousands of rows of one fan-out."""
    return OutgoingMessage.from_json(json.loads(payload))


_KINDS = {kind.value: kind for kind in TargetKind}


_COLUMNS = (
    "id, platform, target_kind, address, payload_id, lang, priority, subject, edit_of, status,"
    " attempts, sent_ref, last_error, coalesced, parts_sent, rate_limited"
)


_REF_SQL = (
    "(CASE WHEN CAST(? AS TEXT) IS NULL THEN NULL WHEN CAST(? AS TEXT) = platform"
    " AND CAST(? AS TEXT) = address THEN CAST(? AS TEXT) ELSE CAST(? AS TEXT) END)"
)
"""A sent reference, short: most land where they were sent, so only their ids are kept
(the choice is made in SQL, where the row's target is)."""


def _ref_params(ref: SentRef | None) -> tuple[object, ...]:
    if ref is None:
        return (None, None, None, None, None)
    ids = json.dumps(list(ref.message_ids), separators=(",", ":"))
    full = json.dumps(ref.to_json(), separators=(",", ":"))
    return (ids, ref.platform, ref.chat_id, ids, full)


def decode_ref(text: str, target: Target) -> SentRef:
    data = json.loads(text)
    if isinstance(data, list):
        return SentRef(target.platform, target.address, tuple(map(str, data)))
    return SentRef.from_json(data)


def _row(row: Row, messages: dict[int, OutgoingMessage]) -> OutboxRow:
    """Positional unpacking: a claim decodes thousands of rows at a time."""
    (
        row_id,
        platform,
        kind,
        address,
        payload_id,
        lang,
        priority,
        subject,
        edit_of,
        status,
        attempts,
        sent_ref,
        last_error,
        coalesced,
        parts_sent,
        rate_limited,
    ) = row
    target = Target(platform, _KINDS[kind], address)
    return OutboxRow(
        id=row_id,
        target=target,
        message=messages[payload_id],
        lang=lang,
        priority=priority,
        subject=subject,
        edit_of=edit_of,
        status=status,
        attempts=attempts,
        sent_ref=decode_ref(sent_ref, target) if sent_ref else None,
        last_error=last_error,
        coalesced=bool(coalesced),
        parts_sent=parts_sent,
        rate_limited=rate_limited,
        payload_id=payload_id,
    )


def payload_text(message: OutgoingMessage) -> str:
    return json.dumps(message.to_json(), ensure_ascii=False, separators=(",", ":"))


def span_text(span: Span) -> str:
    """One span as it stands inside a stored payload (see `spans_payload_text`)."""
    return json.dumps([span.text, span.style.value], ensure_ascii=False, separators=(",", ":"))


def spans_payload_text(encoded_spans: Iterable[str]) -> str:
    """`payload_text` of a message of spans only (no buttons, files or tags), from its spans
    already encoded by `span_text`: thousands of digests share most of their spans, each
    encoded once. A test pins it to `payload_text`."""
    return (
        '{"spans":[' + ",".join(encoded_spans) + '],"buttons":[],"is_error":false,'
        '"mention_tags":[],"video":null}'
    )


async def store_payload(conn: Connection, body: str) -> int:
    """One stored copy of a message (`payload_text`), for every row that delivers it."""
    return int(
        await conn.fetchval("INSERT INTO outbox_payloads (body) VALUES (?) RETURNING id", (body,))
    )


class OutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._stored: dict[str, int] = {}
        """Payloads stored in this transaction, by text: the same message is stored once."""

    async def payload_id(self, message: OutgoingMessage) -> int:
        """The stored payload of `message`: once per transaction, however many rows use it."""
        body = payload_text(message)
        found = self._stored.get(body)
        if found is None:
            found = self._stored[body] = await store_payload(self._conn, body)
        return found

    async def payload_ids(self, bodies: Sequence[str]) -> list[int]:
        """Store many payloads (`payload_text`) in one statement; their ids, in order.

        Ids are given explicitly, so a single batch replaces one round trip each. SQLite:
        inside the transaction nobody else writes, so the next ones are ours; PostgreSQL:
        other processes write too, so they are taken from the table's identity counter.
        """
        if not bodies:
            return []
        if self._conn.dialect.postgres:
            rows = await self._conn.fetchall(
                "SELECT nextval(pg_get_serial_sequence('outbox_payloads', 'id'))"
                " FROM generate_series(1, CAST(? AS INTEGER))",
                (len(bodies),),
            )
            ids = [int(r[0]) for r in rows]
        else:
            found = await self._conn.fetchval("SELECT COALESCE(MAX(id), 0) FROM outbox_payloads")
            first = int(found or 0) + 1
            ids = list(range(first, first + len(bodies)))
        await self._conn.insert_rows(
            "outbox_payloads", ("id", "body"), list(zip(ids, bodies, strict=True))
        )
        self._stored.update(zip(bodies, ids, strict=True))
        return ids

    async def _messages(self, payload_ids: Iterable[int]) -> dict[int, OutgoingMessage]:
        wanted = sorted(set(payload_ids))
        found: dict[int, OutgoingMessage] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self._conn.fetchall(
                f"SELECT id, body FROM outbox_payloads WHERE id IN ({marks})", chunk
            )
            for payload_id, body in rows:
                found[payload_id] = _message(body)
        return found

    async def _rows(self, sql: str, params: Sequence[object] = ()) -> list[OutboxRow]:
        rows = await self._conn.fetchall(sql, params)
        raw = list(rows)
        messages = await self._messages(r[4] for r in raw)
        return [_row(r, messages) for r in raw]

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
        self._conn.notify("outbox")
        row_id = await self._conn.fetchval(
            "INSERT INTO outbox (platform, target_kind, address, payload_id, lang, priority,"
            " subject, edit_of, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (
                target.platform,
                target.kind.value,
                target.address,
                await self.payload_id(message),
                lang,
                priority,
                subject,
                edit_of,
                not_before if not_before is not None else now,
                now,
            ),
        )
        return int(row_id)

    async def enqueue_many(
        self,
        rows: Sequence[tuple[Target, OutgoingMessage, str | None]],
        priority: int,
        *,
        subject: str | None = None,
    ) -> None:
        """One statement for a whole fan-out; (target, message, lang) per row."""
        now = time.time()
        payloads: dict[int, int] = {}
        params: list[tuple[object, ...]] = []
        for target, message, lang in rows:
            payload_id = payloads.get(id(message))
            if payload_id is None:
                payload_id = payloads[id(message)] = await self.payload_id(message)
            params.append(
                (
                    target.platform,
                    target.kind.value,
                    target.address,
                    payload_id,
                    lang,
                    priority,
                    subject,
                    now,
                    now,
                )
            )
        self._conn.notify("outbox")
        await self._conn.insert_rows(
            "outbox",
            (
                "platform",
                "target_kind",
                "address",
                "payload_id",
                "lang",
                "priority",
                "subject",
                "not_before",
                "created_at",
            ),
            params,
        )

    async def enqueue_edits(
        self,
        rows: Sequence[tuple[CopyRef, OutgoingMessage, str | None]],
        priority: int,
        *,
        subject: str,
    ) -> None:
        """One statement for many edits: (original row, new message, lang) each."""
        now = time.time()
        params: list[tuple[object, ...]] = []
        for original, message, lang in rows:
            target = original.target
            params.append(
                (
                    target.platform,
                    target.kind.value,
                    target.address,
                    await self.payload_id(message),
                    lang,
                    priority,
                    subject,
                    original.id,
                    now,
                    now,
                )
            )
        self._conn.notify("outbox")
        await self._conn.executemany(
            "INSERT INTO outbox (platform, target_kind, address, payload_id, lang, priority,"
            " subject, edit_of, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params,
        )

    async def replace_payloads(self, rows: Sequence[tuple[int, OutgoingMessage]]) -> set[int]:
        """`replace_payload` for many rows at once (rows still pending only). The ids
        rewritten; the others were claimed meanwhile (another process) and show the old text."""
        return await self._rewrite(rows, "status = 'pending'")

    async def _rewrite(self, rows: Sequence[tuple[int, OutgoingMessage]], still: str) -> set[int]:
        by_payload: dict[int, list[int]] = {}
        for row_id, message in rows:
            by_payload.setdefault(await self.payload_id(message), []).append(row_id)
        dialect = self._conn.dialect
        done: set[int] = set()
        for payload_id, ids in by_payload.items():
            found = await self._conn.fetchall(
                f"UPDATE outbox SET payload_id = ? WHERE {dialect.in_int_list('id')}"
                f" AND parts_sent = 0 AND {still} RETURNING id",
                (payload_id, dialect.list_param(ids)),
            )
            done.update(int(r[0]) for r in found)
        return done

    async def copies(self, subject: str) -> list[OutboxRow]:
        """Every original (non-edit) row sent or to be sent for one subject."""
        return await self._rows(
            f"SELECT {_COLUMNS} FROM outbox WHERE subject = ? AND edit_of IS NULL ORDER BY id",
            (subject,),
        )

    async def room_copies(self, subject: str) -> list[CopyRef]:
        """The original rows of one subject sent to rooms, without walking private copies
        and without decoding payloads (an alert card is edited for every task change)."""
        # The WHERE matches the partial index outbox_room_copies: keep them in step.
        rows = await self._conn.fetchall(
            "SELECT id, platform, address, lang, status, coalesced FROM outbox"
            " WHERE subject = ? AND target_kind = 'room' AND edit_of IS NULL ORDER BY id",
            (subject,),
        )
        return [
            CopyRef(
                row_id,
                Target(platform, TargetKind.ROOM, address),
                lang,
                status,
                bool(coalesced),
            )
            for row_id, platform, address, lang, status, coalesced in rows
        ]

    async def copies_after(self, subject: str, after: int, limit: int) -> list[CopyRef]:
        """The next `limit` original rows of one subject after row `after`, rooms and
        private copies alike, without decoding payloads: a batch of a long correction
        (the outbox_subject index holds each row's id, so a batch starts where the last
        one ended instead of walking the rows before it)."""
        rows = await self._conn.fetchall(
            "SELECT id, platform, target_kind, address, lang, status, coalesced, parts_sent,"
            " started FROM outbox WHERE subject = ? AND id > ? AND edit_of IS NULL"
            " ORDER BY id LIMIT ?",
            (subject, after, limit),
        )
        return [
            CopyRef(
                row_id,
                Target(platform, _KINDS[kind], address),
                lang,
                status,
                bool(coalesced),
                parts_sent,
                started,
            )
            for row_id, platform, kind, address, lang, status, coalesced, parts_sent, started in (
                rows
            )
        ]

    async def rewrite_unstarted(self, rows: Sequence[tuple[int, OutgoingMessage]]) -> set[int]:
        """Rewrite copies of an alert or a push not yet cleared to go: queued, or claimed by
        a worker that will reload them when it asks for their go-ahead. The ids rewritten;
        the others were cleared meanwhile (another process) and need an edit instead."""
        return await self._rewrite(
            rows, "(status = 'pending' OR (status = 'sending' AND started = 0))"
        )

    async def pending_edits(self, subject: str) -> dict[int, int]:
        """Edits of one subject not yet handed to a platform: original row id -> edit row id."""
        rows = await self._conn.fetchall(
            "SELECT edit_of, MAX(id) FROM outbox WHERE subject = ? AND status = 'pending'"
            " AND edit_of IS NOT NULL GROUP BY edit_of",
            (subject,),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def replace_payload(self, row_id: int, message: OutgoingMessage) -> bool:
        """Rewrite a row not yet handed to a platform; False if it is already on its way
        (claimed, or some of its parts already out)."""
        changed = await self._conn.execute(
            "UPDATE outbox SET payload_id = ? WHERE id = ? AND status = 'pending'"
            " AND parts_sent = 0",
            (await self.payload_id(message), row_id),
        )
        return changed > 0

    async def get(self, row_id: int) -> OutboxRow | None:
        rows = await self._rows(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (row_id,))
        return rows[0] if rows else None

    # --- used by the delivery engine -------------------------------------------------

    async def release_all_leases(self, except_owner: str | None = None) -> int:
        """At start, with the instance lock held: the previous process is gone, so its
        claims are void whatever their lease says. Parts already out stay out."""
        changed = await self._conn.execute(
            f"UPDATE outbox SET {BACK_TO_QUEUE}, lease_until = NULL, lease_owner = NULL"
            " WHERE status = 'sending' AND lease_owner IS DISTINCT FROM ?",
            (except_owner,),
        )
        return changed

    async def take_back_expired(self, platform: str, now: float) -> int:
        """Claims whose lease ran out go back to the queue (their holder lost track)."""
        changed = await self._conn.execute(
            f"UPDATE outbox SET {BACK_TO_QUEUE}, lease_until = NULL, lease_owner = NULL"
            " WHERE platform = ? AND status = 'sending' AND lease_until < ?",
            (platform, now),
        )
        return changed

    async def renew_leases(self, platform: str, owner: str, until: float) -> int:
        changed = await self._conn.execute(
            "UPDATE outbox SET lease_until = ? WHERE platform = ? AND status = 'sending'"
            " AND lease_owner = ?",
            (until, platform, owner),
        )
        return changed

    async def claim_due(
        self,
        platform: str,
        now: float,
        limit: int,
        lease_seconds: float,
        *,
        below_priority: int | None = None,
        owner: str = "",
        hold_rooms: bool = False,
        cleared: bool = False,
    ) -> list[OutboxRow]:
        """Take due rows in (priority, id) order and mark them `sending` under a lease.

        `cleared`: the rows are cleared to go at once (see `clear_to_send`), for a worker
        whose pace sends all it holds within the time it clears ahead.

        `hold_rooms` (several processes deliver this platform): rows of a room another
        process holds are left to it, and the rooms of the rows taken are held by this
        one until the lease ends (renewed while it works on them), so that a room's own
        limits are counted in one place. Claims of one platform then take turns.
        """
        dialect = self._conn.dialect
        if hold_rooms and dialect.postgres:
            await self._conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(CAST(? AS TEXT)))", (f"claim:{platform}",)
            )
        inner = (
            "SELECT o.id FROM outbox o WHERE o.platform = ? AND o.status = 'pending'"
            " AND o.not_before <= ?"
        )
        params: list[object] = [now + lease_seconds, owner, int(cleared), platform, now]
        if hold_rooms:
            inner += (
                " AND NOT EXISTS (SELECT 1 FROM delivery_rooms r WHERE r.platform = o.platform"
                " AND r.address = o.address AND r.owner <> ? AND r.until > ?)"
            )
            params += [owner, now]
        if below_priority is not None:
            inner += " AND o.priority < ?"
            params.append(below_priority)
        inner += f" ORDER BY o.priority, o.id LIMIT ?{dialect.skip_locked}"
        params.append(limit)
        rows = await self._rows(
            "UPDATE outbox SET status = 'sending', lease_until = ?, lease_owner = ?,"
            f" attempts = attempts + 1, started = ? WHERE id IN ({inner}) RETURNING {_COLUMNS}",
            params,
        )
        if hold_rooms:
            rooms = sorted({r.target.address for r in rows if r.target.kind is TargetKind.ROOM})
            await self.hold_rooms(platform, rooms, owner, now + lease_seconds)
        rows.sort(key=lambda row: (row.priority, row.id))
        return rows

    async def clear_to_send(self, row_ids: Sequence[int], owner: str) -> dict[int, int]:
        """The go-ahead for claimed copies of an alert or a push: those still claimed by
        `owner` (none stopped by a cancellation meanwhile) are marked as on their way.
        Row id -> its payload now (a cancelled alert's copy was rewritten)."""
        if not row_ids:
            return {}
        dialect = self._conn.dialect
        rows = await self._conn.fetchall(
            f"UPDATE outbox SET started = 1 WHERE {dialect.in_int_list('id')}"
            " AND status = 'sending' AND lease_owner = ? RETURNING id, payload_id",
            (dialect.list_param(row_ids), owner),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def messages(self, payload_ids: Iterable[int]) -> dict[int, OutgoingMessage]:
        """Stored payloads by id, decoded."""
        return await self._messages(payload_ids)

    async def hold_rooms(
        self, platform: str, addresses: Sequence[str], owner: str, until: float
    ) -> None:
        """These rooms are paced by `owner` until `until` (see `claim_due`)."""
        await self._conn.executemany(
            "INSERT INTO delivery_rooms (platform, address, owner, until) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (platform, address) DO UPDATE SET owner = excluded.owner,"
            " until = excluded.until",
            [(platform, address, owner, until) for address in addresses],
        )
        if addresses:
            await self._conn.execute(
                "DELETE FROM delivery_rooms WHERE platform = ? AND until < ?",
                (platform, until - 3600),
            )

    async def record(self, outcomes: Sequence[Outcome], owner: str | None = None) -> None:
        """Write a batch of delivery outcomes in one go.

        With `owner`, only rows still leased to it are touched: a claim that was
        taken back (its lease ran out) belongs to whoever holds it now.
        """
        mine = " AND lease_owner IS NOT DISTINCT FROM ?" if owner is not None else ""
        extra: tuple[object, ...] = (owner,) if owner is not None else ()
        progress = [o for o in outcomes if isinstance(o, Progress)]
        sent = [o for o in outcomes if isinstance(o, Sent)]
        retries = [o for o in outcomes if isinstance(o, Retry)]
        failed = [o for o in outcomes if isinstance(o, Failed)]
        if progress:
            # First: a row's later outcome in the same batch must win.
            await self._conn.executemany(
                f"UPDATE outbox SET parts_sent = ?, sent_ref = {_REF_SQL} WHERE id = ?" + mine,
                [(o.parts_sent, *_ref_params(o.ref), o.row_id, *extra) for o in progress],
            )
        if sent:
            await self._conn.executemany(
                f"UPDATE outbox SET status = 'sent', sent_ref = {_REF_SQL}, sent_at = ?,"
                " coalesced = ?, lease_until = NULL, lease_owner = NULL, last_error = NULL"
                " WHERE id = ?" + mine,
                [(*_ref_params(o.ref), o.at, int(o.coalesced), o.row_id, *extra) for o in sent],
            )
        if retries:
            await self._conn.executemany(
                f"UPDATE outbox SET {BACK_TO_QUEUE}, not_before = ?, lease_until = NULL,"
                " lease_owner = NULL, last_error = ?, attempts = attempts - ?,"
                " rate_limited = rate_limited + ? WHERE id = ?" + mine,
                [
                    (
                        o.not_before,
                        o.error[:MAX_ERROR_LENGTH],
                        0 if o.count_attempt else 1,
                        int(o.rate_limited),
                        o.row_id,
                        *extra,
                    )
                    for o in retries
                ],
            )
        if failed:
            await self._conn.executemany(
                "UPDATE outbox SET status = ?, lease_until = NULL, lease_owner = NULL,"
                " last_error = ? WHERE id = ?" + mine,
                [(o.status, o.error[:MAX_ERROR_LENGTH], o.row_id, *extra) for o in failed],
            )
        if sent or failed:
            await self._forget_ephemeral()

    async def _forget_ephemeral(self) -> None:
        """Ephemeral rows whose outcome is known go, and their bodies with them (the code or
        login link they carried): nothing else points to those."""
        done = "subject = ? AND status IN ('sent', 'failed', 'skipped')"
        rows = await self._conn.fetchall(
            f"SELECT DISTINCT payload_id FROM outbox WHERE {done}", (EPHEMERAL_SUBJECT,)
        )
        if not rows:
            return
        await self._conn.execute(f"DELETE FROM outbox WHERE {done}", (EPHEMERAL_SUBJECT,))
        dialect = self._conn.dialect
        await self._conn.execute(
            f"DELETE FROM outbox_payloads WHERE {dialect.in_int_list('id')}"
            " AND NOT EXISTS (SELECT 1 FROM outbox WHERE payload_id = outbox_payloads.id)",
            (dialect.list_param(int(r["payload_id"]) for r in rows),),
        )

    async def release(self, row_ids: Sequence[int], owner: str | None = None) -> None:
        """Claimed rows that were not sent go back to the queue untouched."""
        mine = " AND lease_owner IS NOT DISTINCT FROM ?" if owner is not None else ""
        extra: tuple[object, ...] = (owner,) if owner is not None else ()
        self._conn.notify("outbox")
        await self._conn.executemany(
            f"UPDATE outbox SET {BACK_TO_QUEUE}, lease_until = NULL, lease_owner = NULL,"
            " attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"
            " WHERE id = ? AND status = 'sending'" + mine,
            [(row_id, *extra) for row_id in row_ids],
        )

    async def next_due(self, platform: str) -> float | None:
        """When the platform's next queued row falls due (a retry waiting out its delay)."""
        found = await self._conn.fetchval(
            "SELECT MIN(not_before) FROM outbox WHERE platform = ? AND status = 'pending'",
            (platform,),
        )
        return None if found is None else float(found)

    async def retry_now(self, platform: str, now: float) -> int:
        """Rows waiting out a retry delay become due (the platform's link is back)."""
        changed = await self._conn.execute(
            "UPDATE outbox SET not_before = ? WHERE platform = ? AND status = 'pending'"
            " AND not_before > ? AND last_error IS NOT NULL",
            (now, platform, now),
        )
        return changed

    async def purge(self, before: float, limit: int = 500) -> int:
        """Delete up to `limit` finished rows created before `before`; 0 when none are left.

        Rows an unfinished edit still points to are kept: the edit needs their ref.
        Payloads older than every remaining row's go with them (ids only grow, so
        anything below the smallest one still used is used by nobody).
        """
        changed = await self._conn.execute(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
            " WHERE status IN ('sent', 'failed', 'skipped') AND created_at < ?"
            " AND id NOT IN (SELECT edit_of FROM outbox WHERE edit_of IS NOT NULL"
            "  AND status IN ('pending', 'sending'))"
            " LIMIT ?)",
            (before, limit),
        )
        deleted = changed
        await self._conn.execute(
            "DELETE FROM outbox_payloads WHERE id IN (SELECT id FROM outbox_payloads WHERE id <"
            " COALESCE((SELECT MIN(payload_id) FROM outbox),"
            "  (SELECT MAX(id) + 1 FROM outbox_payloads))"
            " ORDER BY id LIMIT ?)",
            (limit,),
        )
        return deleted

    async def fail_pending_for(self, target: Target, error: str) -> int:
        """The target is gone for good: stop queueing for it."""
        changed = await self._conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE platform = ?"
            " AND target_kind = ? AND address = ? AND status = 'pending'",
            (error[:MAX_ERROR_LENGTH], target.platform, target.kind.value, target.address),
        )
        return changed

    async def busy_count(self, platforms: Iterable[str], due_by: float) -> int:
        """Rows being sent, or due by `due_by`, on these platforms: what a drain waits for."""
        names = list(platforms)
        if not names:
            return 0
        marks = ",".join("?" for _ in names)
        row = await self._conn.fetchone(
            f"SELECT COUNT(*) FROM outbox WHERE platform IN ({marks}) AND"
            " (status = 'sending' OR (status = 'pending' AND not_before <= ?))",
            (*names, due_by),
        )
        return int(row[0]) if row else 0

    async def set_paused(self, platform: str, until: float | None) -> None:
        await self._conn.execute(
            "INSERT INTO delivery_state (platform, paused_until, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(platform) DO UPDATE SET paused_until = excluded.paused_until,"
            " updated_at = excluded.updated_at",
            (platform, until, time.time()),
        )

    async def counts(self, now: float) -> list[PlatformCounts]:
        rows = await self._conn.fetchall(
            "SELECT o.platform,"
            " SUM(CASE WHEN o.status = 'pending' THEN 1 ELSE 0 END) AS queued,"
            " SUM(CASE WHEN o.status = 'sending' THEN 1 ELSE 0 END) AS in_flight,"
            " SUM(CASE WHEN o.status = 'sent' AND o.sent_at >= ? THEN 1 ELSE 0 END)"
            "  AS sent_last_minute,"
            " SUM(CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END) AS failed,"
            " (SELECT paused_until FROM delivery_state d WHERE d.platform = o.platform"
            "  AND d.paused_until > ?) AS paused_until"
            " FROM outbox o GROUP BY o.platform ORDER BY o.platform",
            (now - 60, now),
        )
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
        return await self._rows(
            f"SELECT {_COLUMNS} FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?",
            (limit,),
        )

    async def retrying(self, limit: int = 20) -> list[OutboxRow]:
        """Rows waiting out a retry delay after an error, most recent first."""
        return await self._rows(
            f"SELECT {_COLUMNS} FROM outbox WHERE status = 'pending' AND last_error IS NOT NULL"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
