from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.domain.alerts import Alert, AlertAck, AlertDraft, AlertStatus
from bot.store.connection import Connection, Row


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class AlertRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def create(
        self,
        draft: AlertDraft,
        *,
        author_member_id: int,
        author_name: str,
        origin_platform: str,
        origin_chat_id: str,
        origin_label: str,
        origin_private: bool,
        url_key: str | None = None,
        urgent: bool = False,
        now: float | None = None,
    ) -> Alert:
        alert_id = await self._conn.fetchval(
            "INSERT INTO alerts (text, url, scope, author_member_id, author_name, origin_platform,"
            " origin_chat_id, origin_private, origin_label, created_at, url_key, urgent)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                draft.text,
                draft.url,
                json.dumps(list(draft.scope)),
                author_member_id,
                author_name,
                origin_platform,
                origin_chat_id,
                int(origin_private),
                origin_label,
                time.time() if now is None else now,
                url_key,
                int(urgent),
            ),
        )
        alert = await self.get(int(alert_id))
        assert alert is not None
        return alert

    async def add_reach(self, alert_id: int, members: int, digest: int) -> None:
        """Count what a receipt announced: members reached, of whom in a digest."""
        await self._conn.execute(
            "UPDATE alerts SET reach_members = COALESCE(reach_members, 0) + ?,"
            " reach_digest = COALESCE(reach_digest, 0) + ? WHERE id = ?",
            (members, digest, alert_id),
        )

    async def widen(self, alert_id: int, scope: Iterable[str]) -> None:
        """The alert now reaches `scope` (the same link alerted for more tags), and so do
        its tasks, which always carry their alert's scope."""
        shown = json.dumps(list(scope))
        await self._conn.execute("UPDATE alerts SET scope = ? WHERE id = ?", (shown, alert_id))
        await self._conn.execute(
            "UPDATE tasks SET scope = ? WHERE alert_id = ?", (shown, alert_id)
        )

    async def get(self, alert_id: int) -> Alert | None:
        row = await self._conn.fetchone("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        return None if row is None else await self._load(row)

    async def raised_since(self, author_member_id: int, since: float) -> list[float]:
        """When this member raised alerts since `since` (cancelled ones count: a limit that
        a cancel resets is no limit)."""
        rows = await self._conn.fetchall(
            "SELECT created_at FROM alerts WHERE author_member_id = ? AND created_at > ?",
            (author_member_id, since),
        )
        return [float(row[0]) for row in rows]

    async def open_with_url(self, url_key: str, since: float) -> list[Alert]:
        """Open alerts of this link raised since `since`, the oldest first."""
        rows = await self._conn.fetchall(
            "SELECT * FROM alerts WHERE url_key = ? AND created_at > ? AND status = 'open'"
            " ORDER BY id LIMIT 20",
            (url_key, since),
        )
        return [await self._load(row) for row in rows]

    async def recent(self, limit: int, include_cancelled: bool = False) -> list[Alert]:
        query = "SELECT * FROM alerts"
        if not include_cancelled:
            query += " WHERE status = 'open'"
        query += " ORDER BY id DESC LIMIT ?"
        rows = await self._conn.fetchall(query, (limit,))
        return [await self._load(row) for row in rows]

    async def open_count(self) -> int:
        """Open alerts in all: what a capped list says it leaves out."""
        value = await self._conn.fetchval("SELECT COUNT(*) FROM alerts WHERE status = 'open'")
        return int(value or 0)

    async def latest_involving(self, member_id: int) -> int | None:
        """The newest alert this member raised or took on, if any."""
        value = await self._conn.fetchval(
            "SELECT MAX(id) FROM (SELECT id FROM alerts WHERE author_member_id = ?"
            " UNION SELECT alert_id FROM alert_acks WHERE member_id = ?) AS mine",
            (member_id, member_id),
        )
        return int(value) if value is not None else None

    async def _load(self, row: Row) -> Alert:
        rows = await self._conn.fetchall(
            "SELECT member_id, member_name, at FROM alert_acks WHERE alert_id = ? ORDER BY at",
            (row["id"],),
        )
        acks = tuple(
            AlertAck(r["member_id"], r["member_name"], datetime.fromtimestamp(r["at"], UTC))
            for r in rows
        )
        return Alert(
            id=row["id"],
            text=row["text"],
            url=row["url"],
            scope=tuple(json.loads(row["scope"])),
            author_member_id=row["author_member_id"] or 0,
            author_name=row["author_name"],
            origin_platform=row["origin_platform"],
            origin_chat_id=row["origin_chat_id"],
            origin_label=row["origin_label"],
            origin_private=bool(row["origin_private"]),
            created_at=datetime.fromtimestamp(row["created_at"], UTC),
            status=AlertStatus(row["status"]),
            cancelled_at=_dt(row["cancelled_at"]),
            acks=acks,
            urgent=bool(row["urgent"]),
            reach_members=row["reach_members"],
            reach_digest=row["reach_digest"],
        )

    async def ack(
        self, alert_id: int, member_id: int, member_name: str, now: float | None = None
    ) -> bool:
        """Record an ack; False when this member had already acked."""
        added = await self._conn.execute(
            "INSERT INTO alert_acks (alert_id, member_id, member_name, at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (alert_id, member_id, member_name, time.time() if now is None else now),
        )
        return added > 0

    async def cancel(self, alert_id: int, member_id: int, now: float | None = None) -> None:
        await self._conn.execute(
            "UPDATE alerts SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?"
            " WHERE id = ?",
            (time.time() if now is None else now, member_id, alert_id),
        )
