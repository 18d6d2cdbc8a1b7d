"""The barometer's figures, counted in SQL from the rows themselves.

The rules are `bot.domain.stats` (a test runs both on random data). Nothing
here reads the outbox but `deliveries` (one alert's copies, by its indexed
subject), so a million delivery rows cost nothing to the weekly figures.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.domain.stats import (
    METRICS,
    MemberBarometer,
    MemberCounts,
    Period,
    ScopeWeek,
    median,
    median_of_counts,
)
from bot.store.connection import Connection

_ALERT_IN_SCOPE = (
    "(:all_tags = 1 OR EXISTS (SELECT 1 FROM json_each(a.scope) j"
    " WHERE j.value IN (SELECT value FROM json_each(:tags))))"
)
_TASK_IN_SCOPE = (
    "(:all_tags = 1 OR EXISTS (SELECT 1 FROM json_each(t.scope) j"
    " WHERE j.value IN (SELECT value FROM json_each(:tags))))"
)

# Per member, the counts `stats me` compares: {name: (one member's count, everyone's)}.
_PER_MEMBER = {
    "alerts": (
        "SELECT COUNT(*) FROM alerts WHERE author_member_id = :me AND created_at >= :since",
        "SELECT author_member_id, COUNT(*) AS c FROM alerts WHERE created_at >= :since"
        " AND author_member_id IS NOT NULL GROUP BY author_member_id",
    ),
    "acks": (
        "SELECT COUNT(*) FROM alert_acks WHERE member_id = :me AND at >= :since",
        "SELECT member_id, COUNT(*) AS c FROM alert_acks WHERE at >= :since GROUP BY member_id",
    ),
    "tasks_done": (
        "SELECT COUNT(*) FROM tasks WHERE done_by = :me AND status = 'done'"
        " AND finished_at >= :since",
        "SELECT done_by, COUNT(*) AS c FROM tasks WHERE done_by IS NOT NULL AND status = 'done'"
        " AND finished_at >= :since GROUP BY done_by",
    ),
    "shares": (
        "SELECT COUNT(*) FROM tasks WHERE done_by = :me AND status = 'done' AND kind = 'share'"
        " AND finished_at >= :since",
        "SELECT done_by, COUNT(*) AS c FROM tasks WHERE done_by IS NOT NULL AND status = 'done'"
        " AND kind = 'share' AND finished_at >= :since GROUP BY done_by",
    ),
    "brought_in": (
        "SELECT COUNT(*) FROM members WHERE sponsor_id = :me AND joined_at IS NOT NULL",
        "SELECT sponsor_id, COUNT(*) AS c FROM members WHERE sponsor_id IS NOT NULL"
        " AND joined_at IS NOT NULL GROUP BY sponsor_id",
    ),
}


@dataclass(frozen=True, slots=True)
class Deliveries:
    rooms: int
    members: int
    sent: int
    waiting: int
    failed: int


class StatsRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _one(self, sql: str, params: Mapping[str, object] | tuple[object, ...]) -> int:
        row = await self._conn.fetchone(sql, params)
        return int(row[0] or 0) if row else 0

    async def member(self, member_id: int, since: float) -> MemberBarometer:
        """One member's counts since `since` (people brought in: ever), and the median of
        each count among the members who have at least one."""
        params = {"me": member_id, "since": since}
        mine: dict[str, int] = {}
        medians: dict[str, float | None] = {}
        for name in METRICS:
            own, everyone = _PER_MEMBER[name]
            mine[name] = await self._one(own, params)
            rows = await self._conn.fetchall(
                f"SELECT c, COUNT(*) FROM ({everyone}) AS counted GROUP BY c", params
            )
            histogram = {int(c): int(n) for c, n in rows}
            medians[name] = median_of_counts(histogram)
        return MemberBarometer(MemberCounts(**mine), medians)

    async def scope_week(
        self, period: Period, tags: Collection[str] | None, *, new_members: bool = False
    ) -> ScopeWeek:
        """`bot.domain.stats.scope_week` for one period; `tags` are every name of the scope
        (its synonyms included), None for the whole network."""
        params: dict[str, object] = {
            "start": period.start,
            "end": period.end,
            "all_tags": int(tags is None),
            "tags": json.dumps(sorted(tags or ())),
        }
        alerts_in = (
            "SELECT a.id, a.created_at, a.author_member_id FROM alerts a"
            f" WHERE a.created_at > :start AND a.created_at <= :end AND {_ALERT_IN_SCOPE}"
        )
        found = await self._conn.fetchall(
            f"WITH period_alerts AS ({alerts_in})"
            " SELECT p.created_at,"
            " (SELECT MIN(k.at) FROM alert_acks k WHERE k.alert_id = p.id),"
            " MIN("
            "  COALESCE((SELECT MIN(c.finished_at) FROM clips c WHERE c.alert_id = p.id"
            "   AND c.status = 'done'), 1e300),"
            "  COALESCE((SELECT MIN(t.finished_at) FROM tasks t WHERE t.alert_id = p.id"
            "   AND t.kind = 'clip' AND t.status = 'done'), 1e300))"
            " FROM period_alerts p",
            params,
        )
        rows = list(found)
        alerts = len(rows)
        acks = [float(ack) - float(at) for at, ack, _ in rows if ack is not None]
        clips = [
            float(clip) - float(at) for at, _, clip in rows if clip is not None and clip < 1e299
        ]
        tasks_done = await self._one(
            "SELECT COUNT(*) FROM tasks t WHERE t.status = 'done' AND t.finished_at > :start"
            f" AND t.finished_at <= :end AND {_TASK_IN_SCOPE}",
            params,
        )
        active = await self._one(
            f"WITH period_alerts AS ({alerts_in})"
            " SELECT COUNT(*) FROM ("
            " SELECT author_member_id AS who FROM period_alerts WHERE author_member_id IS NOT NULL"
            " UNION SELECT k.member_id FROM alert_acks k JOIN period_alerts p ON p.id = k.alert_id"
            "  WHERE k.at > :start AND k.at <= :end"
            " UNION SELECT t.done_by FROM tasks t WHERE t.status = 'done' AND t.done_by IS NOT NULL"
            f"  AND t.finished_at > :start AND t.finished_at <= :end AND {_TASK_IN_SCOPE})"
            " AS active",
            params,
        )
        joined = None
        if new_members:
            joined = await self._one(
                "SELECT COUNT(*) FROM members WHERE joined_at > :start AND joined_at <= :end",
                params,
            )
        return ScopeWeek(
            alerts=alerts,
            first_ack=median(acks),
            first_clip=median(clips),
            tasks_done=tasks_done,
            active_members=active,
            new_members=joined,
        )

    async def deliveries(self, subject: str) -> Deliveries:
        """One alert's copies (originals, not edits): where they went, how they fared."""
        row = await self._conn.fetchone(
            "SELECT SUM(CASE WHEN target_kind = 'room' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN target_kind = 'user' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status IN ('failed', 'skipped') THEN 1 ELSE 0 END)"
            " FROM outbox WHERE subject = ? AND edit_of IS NULL",
            (subject,),
        )
        values = [int(v or 0) for v in (row or (0, 0, 0, 0, 0))]
        return Deliveries(*values)

    async def held(self, alert_id: int) -> int:
        """Members for whom the alert waits in a digest (quiet hours, daily digest)."""
        return await self._one(
            "SELECT COUNT(*) FROM held_alerts WHERE alert_id = ?", (alert_id,)
        )
