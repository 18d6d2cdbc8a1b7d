"""Held alerts released as digests, tens of thousands at a time, inside SQLite.

At 07:00 every member whose quiet hours end gets one message listing what
was held. Members holding the same alerts (in the same language, kind of
digest and time zone) share one stored payload, as a fan-out does; the rows
are written by one INSERT … SELECT, the way `fanout.py` writes an alert's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.domain.messages import Span
from bot.store.connection import Connection
from bot.store.fanout import CHOSEN_SQL, DIRECT_SQL, HOLDING_SQL, REACHABLE_SQL
from bot.store.outbox import OutboxRepository, span_text, spans_payload_text

DIGEST_SUBJECT = "digest"


@dataclass(frozen=True, slots=True)
class DigestGroup:
    """Members who get the same digest: these alerts, this language, kind and zone."""

    alert_ids: tuple[int, ...]
    lang: str
    daily: bool
    zone: str


@dataclass(frozen=True, slots=True)
class HeldAlertState:
    """What a digest says about one held alert, as it is at release time."""

    id: int
    text: str
    author_name: str
    origin_label: str
    created_at: float
    cancelled: bool
    acks: int
    tasks: int
    tasks_done: int
    tasks_dropped: int
    urgent: bool = False


Render = Callable[[DigestGroup, Mapping[int, HeldAlertState]], tuple[Span, ...]]
"""The digest of one group (a message of spans only), from the states of its alerts."""


@dataclass(frozen=True, slots=True)
class Released:
    members: int
    queued: int
    payloads: int = 0
    """Distinct digests stored (members holding the same alerts share one)."""


class DigestRepository:
    def __init__(self, conn: Connection, outbox: OutboxRepository) -> None:
        self._conn = conn
        self._outbox = outbox

    async def held_count(self, member_id: int) -> int:
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM held_alerts WHERE member_id = ?", (member_id,)
        )
        return int(row[0]) if row else 0

    async def held_members(self, alert_id: int) -> set[int]:
        """Members for whom this alert waits in a digest."""
        rows = await self._conn.fetchall(
            "SELECT member_id FROM held_alerts WHERE alert_id = ?", (alert_id,)
        )
        return {int(r[0]) for r in rows}

    async def held_for(self, member_id: int) -> list[tuple[int, float]]:
        rows = await self._conn.fetchall(
            "SELECT alert_id, held_at FROM held_alerts WHERE member_id = ? ORDER BY alert_id",
            (member_id,),
        )
        return [(int(a), float(t)) for a, t in rows]

    async def release(
        self,
        *,
        network_tz: str,
        quiet_active: Iterable[str],
        default_lang: str,
        no_dm_platforms: Iterable[str],
        priority: int,
        render: Render,
        daily: tuple[str, int] | None = None,
        member_id: int | None = None,
        force: bool = False,
    ) -> Released:
        """Send the digest of every member whose held alerts are due now, and forget them.

        Due: members no longer holding (their quiet hours are over, they turned
        them off), the members of the daily digest `daily` (zone, minute), or,
        with `member_id` and `force`, that one member whatever their settings.
        Members who left the network lose what was held for them, unsent.
        """
        params: dict[str, object] = {
            "network_tz": network_tz,
            "quiet_active": json.dumps(sorted(set(quiet_active))),
            "default": default_lang,
            "no_dm_platforms": json.dumps(sorted(set(no_dm_platforms))),
            "daily_zone": daily[0] if daily else None,
            "daily_minute": daily[1] if daily else None,
            "member": member_id,
            "force": int(force),
        }
        conn = self._conn
        await conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS digest_batch (member_id INTEGER PRIMARY KEY,"
            " alerts TEXT NOT NULL, held INTEGER NOT NULL, lang TEXT NOT NULL,"
            " daily INTEGER NOT NULL, zone TEXT NOT NULL)"
        )
        await conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS digest_payloads (alerts TEXT NOT NULL,"
            " lang TEXT NOT NULL, daily INTEGER NOT NULL, zone TEXT NOT NULL,"
            " payload_id INTEGER NOT NULL, PRIMARY KEY (alerts, lang, daily, zone))"
        )
        await conn.execute("DELETE FROM temp.digest_batch")
        await conn.execute("DELETE FROM temp.digest_payloads")
        only = " AND h.member_id = :member" if member_id is not None else ""
        # held_alerts is stored in (member, alert) order: members holding the same alerts
        # get the same string (and so one payload); another order would only cost a
        # duplicate payload, since the renderer sorts the ids.
        await conn.execute(
            "INSERT INTO temp.digest_batch (member_id, alerts, held, lang, daily, zone)"
            " SELECT h.member_id, group_concat(h.alert_id), COUNT(*), COALESCE(m.lang, :default),"
            " CASE WHEN m.digest_at IS NOT NULL THEN 1 ELSE 0 END, COALESCE(m.tz, :network_tz)"
            " FROM held_alerts h JOIN members m ON m.id = h.member_id"
            f" WHERE m.joined = 1{only} AND (:force = 1 OR NOT {HOLDING_SQL}"
            "  OR (m.digest_at = :daily_minute AND COALESCE(m.tz, :network_tz) = :daily_zone))"
            " GROUP BY h.member_id, m.id",
            params,
        )
        groups = [
            (str(alerts), str(lang), int(daily), str(zone))
            for alerts, lang, daily, zone in await conn.fetchall(
                "SELECT DISTINCT alerts, lang, daily, zone FROM temp.digest_batch"
            )
        ]
        released = queued = 0
        if groups:
            states = await self._states(
                {int(a) for alerts, _, _, _ in groups for a in alerts.split(",")}
            )
            encoded: dict[Span, str] = {}

            def encode(span: Span) -> str:
                found = encoded.get(span)
                if found is None:
                    found = encoded[span] = span_text(span)
                return found

            bodies = [
                spans_payload_text(
                    encode(span)
                    for span in render(
                        DigestGroup(
                            tuple(sorted(int(a) for a in alerts.split(","))),
                            lang,
                            bool(daily_flag),
                            zone,
                        ),
                        states,
                    )
                )
                for alerts, lang, daily_flag, zone in groups
            ]
            payload_ids = await self._outbox.payload_ids(bodies)
            await conn.executemany(
                "INSERT INTO temp.digest_payloads (alerts, lang, daily, zone, payload_id)"
                " VALUES (?, ?, ?, ?, ?)",
                [(*group, pid) for group, pid in zip(groups, payload_ids, strict=True)],
            )
            now = time.time()
            conn.notify("outbox")
            queued = await conn.execute(
                "INSERT INTO outbox (platform, target_kind, address, payload_id, lang, priority,"
                " subject, not_before, created_at)"
                " SELECT i.platform, 'user', i.user_id, p.payload_id, b.lang,"
                " CAST(:priority AS INTEGER), CAST(:subject AS TEXT),"
                " CAST(:now AS DOUBLE PRECISION), CAST(:now AS DOUBLE PRECISION)"
                " FROM temp.digest_batch b JOIN members m ON m.id = b.member_id"
                f" JOIN identities i ON i.member_id = m.id AND {CHOSEN_SQL}"
                " JOIN temp.digest_payloads p ON p.alerts = b.alerts AND p.lang = b.lang"
                "  AND p.daily = b.daily AND p.zone = b.zone"
                f" WHERE {REACHABLE_SQL} AND {DIRECT_SQL}",
                {**params, "priority": priority, "subject": DIGEST_SUBJECT, "now": now},
            )
            await self._forget_released()
            released = int(await conn.fetchval("SELECT COUNT(*) FROM temp.digest_batch") or 0)
            await conn.execute("DELETE FROM temp.digest_batch")
            await conn.execute("DELETE FROM temp.digest_payloads")
        # Whoever left the network keeps nothing waiting.
        await conn.execute(
            "DELETE FROM held_alerts WHERE member_id IN (SELECT h.member_id FROM held_alerts h"
            " JOIN members m ON m.id = h.member_id WHERE m.joined = 0)"
        )
        return Released(released, queued, len(groups))

    async def _forget_released(self) -> None:
        """Delete the held rows just released. At 07:00 that is usually all of them: then
        the whole table goes at once (SQLite empties it without visiting each row)."""
        row = await self._conn.fetchone(
            "SELECT (SELECT SUM(held) FROM temp.digest_batch), (SELECT COUNT(*) FROM held_alerts)"
        )
        if row is not None and row[0] == row[1]:
            await self._conn.execute("DELETE FROM held_alerts")
        else:
            await self._conn.execute(
                "DELETE FROM held_alerts WHERE member_id IN"
                " (SELECT member_id FROM temp.digest_batch)"
            )

    async def _states(self, alert_ids: set[int]) -> dict[int, HeldAlertState]:
        """Each alert as it is now: cancelled or not, acks, how far its tasks went."""
        wanted = json.dumps(sorted(alert_ids))
        rows = await self._conn.fetchall(
            "SELECT a.id, a.text, a.author_name, a.origin_label, a.created_at, a.status,"
            " a.urgent,"
            " (SELECT COUNT(*) FROM alert_acks k WHERE k.alert_id = a.id),"
            " (SELECT COUNT(*) FROM tasks t WHERE t.alert_id = a.id),"
            " (SELECT COUNT(*) FROM tasks t WHERE t.alert_id = a.id AND t.status = 'done'),"
            " (SELECT COUNT(*) FROM tasks t WHERE t.alert_id = a.id AND t.status = 'dropped')"
            " FROM alerts a WHERE a.id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))",
            (wanted,),
        )
        return {
            int(r[0]): HeldAlertState(
                id=int(r[0]),
                text=str(r[1]),
                author_name=str(r[2]),
                origin_label=str(r[3]),
                created_at=float(r[4]),
                cancelled=r[5] == "cancelled",
                urgent=bool(r[6]),
                acks=int(r[7]),
                tasks=int(r[8]),
                tasks_done=int(r[9]),
                tasks_dropped=int(r[10]),
            )
            for r in rows
        }

    async def held_windows(
        self, network_tz: str
    ) -> list[tuple[str, int | None, int | None, int | None]]:
        """(zone, quiet start, quiet end, digest minute) of the members something is held
        for: each needs a pending release."""
        rows = await self._conn.fetchall(
            "SELECT DISTINCT COALESCE(m.tz, ?),"
            " CASE WHEN m.digest_at IS NULL THEN m.quiet_start END,"
            " CASE WHEN m.digest_at IS NULL THEN m.quiet_end END, m.digest_at"
            " FROM members m WHERE m.id IN (SELECT DISTINCT member_id FROM held_alerts)",
            (network_tz,),
        )
        return [(str(z), a, b, d) for z, a, b, d in rows]

    async def members_holding(self) -> int:
        row = await self._conn.fetchone(
            "SELECT COUNT(DISTINCT member_id) FROM held_alerts"
        )
        return int(row[0]) if row else 0
