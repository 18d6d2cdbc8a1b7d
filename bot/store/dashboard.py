"""The dashboard's read-only queries: what is open now, and the barometer's counts.

Every query takes a `ScopeFilter`: the SQL form of `oversight.watches` (a
scope shows when it is network-wide or shares a tag with the coordinator's),
kept in agreement with the pure rule by a randomized test. The barometer's
counts read daily totals kept by the database's triggers (so a year costs a
few rows per member and day, not every event), agreeing with the events
themselves by another randomized test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.domain.barometer import AlertTimes
from bot.store.connection import Connection, Row

OPEN_TASKS = "('open', 'claimed', 'expired')"
DAY_SECONDS = 86_400
_BY_EVENTS = ("alerts", "acks", "claimed", "done", "shares")


_SHARES = "SUM(CASE WHEN kind = 'share' THEN 1 ELSE 0 END)"


@dataclass(frozen=True, slots=True)
class ScopeFilter:
    """Tags (every spelling) whose scopes show; None: everything shows."""

    tags: tuple[str, ...] | None

    def sql(self, column: str) -> tuple[str, list[object]]:
        """A condition on a JSON scope column, and its parameters."""
        if self.tags is None:
            return "1 = 1", []
        if not self.tags:
            return f"{column} = '[]'", []
        marks = ",".join("?" * len(self.tags))
        return (
            f"({column} = '[]' OR EXISTS (SELECT 1 FROM json_each({column}) j"
            f" WHERE j.value IN ({marks})))",
            list(self.tags),
        )


@dataclass
class Counts:
    """Activity over a period, of one member (`key`: their id) or one scope tag (`key`:
    the tag as stored, '' for network-wide)."""

    key: int | str
    alerts: int = 0
    acks: int = 0
    claimed: int = 0
    done: int = 0
    shares: int = 0
    visits: int = 0

    @property
    def total(self) -> int:
        """Everything but visits: what the member or the scope did."""
        return self.alerts + self.acks + self.claimed + self.done + self.shares

    def add(self, other: Counts) -> None:
        for name in COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNTED = ("alerts", "acks", "claimed", "done", "shares", "visits")


class Activity:
    """Counts summed per member and per stored tag as rows come in."""

    def __init__(self) -> None:
        self.members: dict[int, Counts] = {}
        self.tags: dict[str, Counts] = {}
        self._scopes: dict[str, tuple[str, ...]] = {}

    def add_member(self, member_id: int | None, what: str, n: int) -> None:
        if not n or member_id is None:
            return
        counts = self.members.get(member_id)
        if counts is None:
            counts = self.members[member_id] = Counts(member_id)
        setattr(counts, what, getattr(counts, what) + n)

    def add_member_counts(self, member_id: int, counts: Sequence[int]) -> None:
        """`counts` in the order of COUNTED."""
        for what, n in zip(COUNTED, counts, strict=True):
            self.add_member(member_id, what, n)

    def add_scope_counts(self, scope: str, counts: Sequence[int]) -> None:
        for what, n in zip(COUNTED, counts, strict=True):
            self.add_scope(scope, what, n)

    def add_scope(self, scope: str, what: str, n: int) -> None:
        if not n:
            return
        tags = self._scopes.get(scope)
        if tags is None:
            tags = self._scopes[scope] = _tags(scope) or ("",)
        for tag in tags:
            row = self.tags.get(tag)
            if row is None:
                row = self.tags[tag] = Counts(tag)
            setattr(row, what, getattr(row, what) + n)


@dataclass(frozen=True, slots=True)
class MemberName:
    id: int
    name: str
    scope: tuple[str, ...] = field(default=())


class DashboardQueries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _all(self, sql: str, params: Iterable[object] = ()) -> list[Row]:
        rows = await self._conn.fetchall(sql, list(params))
        return list(rows)

    # --- now -----------------------------------------------------------------------------

    async def open_alerts(self, scope: ScopeFilter, limit: int) -> tuple[list[int], int]:
        """The most recent open alerts in scope (ids), and how many are open in all."""
        return await self._first_ids("alerts", "status = 'open'", "id DESC", scope, limit)

    async def open_tasks(self, scope: ScopeFilter, limit: int) -> tuple[list[int], int]:
        """The oldest unfinished tasks in scope (ids), and how many there are."""
        return await self._first_ids("tasks", f"status IN {OPEN_TASKS}", "id", scope, limit)

    async def _first_ids(
        self, table: str, state: str, order: str, scope: ScopeFilter, limit: int
    ) -> tuple[list[int], int]:
        condition, params = scope.sql("scope")
        where = f"FROM {table} WHERE {state} AND {condition}"
        rows = await self._all(f"SELECT id {where} ORDER BY {order} LIMIT ?", [*params, limit])
        total = await self._all(f"SELECT COUNT(*) {where}", params)
        return [int(r[0]) for r in rows], int(total[0][0])

    async def queue_depths(self, platforms: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Per platform: (queued, in flight), each counted on the outbox's queue index."""
        found: dict[str, tuple[int, int]] = {}
        for platform in platforms:
            counts = []
            for status in ("pending", "sending"):
                rows = await self._all(
                    "SELECT COUNT(*) FROM outbox WHERE platform = ? AND status = ?",
                    (platform, status),
                )
                counts.append(int(rows[0][0]))
            found[platform] = (counts[0], counts[1])
        return found

    async def push_outcomes(self) -> dict[tuple[str, str], int]:
        """Pushes' posts per social account and their room copies per platform, by
        state: what `/metrics` reports as pushes by target and outcome."""
        found: dict[tuple[str, str], int] = {}
        for network, state, n in await self._all(
            "SELECT network, state, COUNT(*) FROM push_targets GROUP BY network, state"
        ):
            found[(network, state)] = n
        for platform, status, n in await self._all(
            "SELECT platform, status, COUNT(*) FROM outbox WHERE subject >= 'push-run:'"
            " AND subject < 'push-run;' GROUP BY platform, status"
        ):
            found[(platform, status)] = found.get((platform, status), 0) + n
        return found

    # --- barometer -----------------------------------------------------------------------

    async def activity(
        self, start: float, end: float, first_day: int, last_day: int
    ) -> Activity:
        """Per member and per stored tag ('' for network-wide), over [start, end): alerts
        raised, acks, tasks taken and done, shares (share tasks done), and visits of the
        links credited to them (days `first_day` to `last_day`).

        The whole UTC days of the period are read from the daily counts the triggers of
        migration 0016 keep (a few rows per member and day); the hours at either end
        that fall in a day only partly (the network's midnight is not UTC's) are
        counted from the events, as `events_activity` counts everything. Both give the
        same figures.
        """
        whole_first = math.ceil(start / DAY_SECONDS)
        whole_last = math.floor(end / DAY_SECONDS) - 1
        if whole_first > whole_last or first_day > whole_first or last_day < whole_last:
            return await self.events_activity(start, end, first_day, last_day)
        activity = Activity()
        sums = ", ".join(
            f"SUM(CASE WHEN day >= {whole_first} AND day <= {whole_last} THEN {name} ELSE 0 END)"
            for name in _BY_EVENTS
        )
        for member_id, *counts in await self._all(
            f"SELECT member_id, {sums}, SUM(visits) FROM activity_member_days"
            " WHERE day >= ? AND day <= ? GROUP BY member_id",
            (first_day, last_day),
        ):
            activity.add_member_counts(member_id, counts)
        for scope, *counts in await self._all(
            f"SELECT scope, {sums}, SUM(visits) FROM activity_scope_days"
            " WHERE day >= ? AND day <= ? GROUP BY scope",
            (first_day, last_day),
        ):
            activity.add_scope_counts(scope, counts)
        await self._events(activity, start, whole_first * DAY_SECONDS)
        await self._events(activity, (whole_last + 1) * DAY_SECONDS, end)
        return activity

    async def events_activity(
        self, start: float, end: float, first_day: int, last_day: int
    ) -> Activity:
        """The same counts as `activity`, from the events themselves (each count reads a
        covering index by time where one exists; scopes are grouped as stored, a short
        JSON list: few distinct ones, and split into tags here)."""
        activity = Activity()
        await self._events(activity, start, end)
        for member_id, scope, n in await self._all(
            "SELECT l.owner_id, l.scope, x.n FROM (SELECT link_id, SUM(visits) AS n"
            " FROM link_visits WHERE day >= ? AND day <= ? GROUP BY link_id) x"
            " JOIN short_links l ON l.id = x.link_id",
            (first_day, last_day),
        ):
            activity.add_member(member_id, "visits", n)
            activity.add_scope(scope, "visits", n)
        return activity

    async def _events(self, activity: Activity, start: float, end: float) -> None:
        """Everything but visits over [start, end), counted from the events."""
        if start >= end:
            return
        for member_id, scope, n in await self._all(
            "SELECT author_member_id, scope, COUNT(*) FROM alerts WHERE created_at >= ?"
            " AND created_at < ? GROUP BY author_member_id, scope",
            (start, end),
        ):
            activity.add_member(member_id, "alerts", n)
            activity.add_scope(scope, "alerts", n)
        for member_id, scope, n in await self._all(
            "SELECT k.member_id, a.scope, COUNT(*) FROM alert_acks k JOIN alerts a"
            " ON a.id = k.alert_id WHERE k.at >= ? AND k.at < ? GROUP BY k.member_id, a.scope",
            (start, end),
        ):
            activity.add_member(member_id, "acks", n)
            activity.add_scope(scope, "acks", n)
        done = "FROM tasks WHERE status = 'done' AND finished_at >= ? AND finished_at < ?"
        for member_id, shares, n in await self._all(
            f"SELECT done_by, {_SHARES}, COUNT(*) {done} GROUP BY done_by", (start, end)
        ):
            activity.add_member(member_id, "done", n)
            activity.add_member(member_id, "shares", shares)
        for scope, shares, n in await self._all(
            f"SELECT scope, {_SHARES}, COUNT(*) {done} GROUP BY scope", (start, end)
        ):
            activity.add_scope(scope, "done", n)
            activity.add_scope(scope, "shares", shares)
        claims = "e.at >= ? AND e.at < ? AND e.event IN ('claimed', 'assigned')"
        for member_id, n in await self._all(
            f"SELECT e.member_id, COUNT(*) FROM task_events e WHERE {claims}"
            " GROUP BY e.member_id",
            (start, end),
        ):
            activity.add_member(member_id, "claimed", n)
        for scope, n in await self._all(
            f"SELECT t.scope, COUNT(*) FROM task_events e JOIN tasks t ON t.id = e.task_id"
            f" WHERE {claims} GROUP BY t.scope",
            (start, end),
        ):
            activity.add_scope(scope, "claimed", n)

    async def names(self, member_ids: Iterable[int]) -> dict[int, MemberName]:
        wanted = sorted(set(member_ids))
        found: dict[int, MemberName] = {}
        for begin in range(0, len(wanted), 500):
            chunk = wanted[begin : begin + 500]
            marks = ",".join("?" * len(chunk))
            for member_id, name, scope in await self._all(
                f"SELECT id, display_name, scope FROM members WHERE id IN ({marks})", chunk
            ):
                found[member_id] = MemberName(member_id, name, _tags(scope))
        return found

    async def alert_times(self, scope: ScopeFilter, start: float, end: float) -> list[AlertTimes]:
        """Each alert raised in [start, end) in scope, with the seconds to its first ack,
        first clip (archived for it, or a clip task done) and first rebuttal: each first
        is one look-up in an index that ends with the time (`alert_acks_first`,
        `tasks_alert_done`)."""
        condition, params = scope.sql("a.scope")
        rows = await self._all(
            "SELECT a.id, a.created_at,"
            " (SELECT MIN(k.at) FROM alert_acks k WHERE k.alert_id = a.id),"
            " (SELECT MIN(c.finished_at) FROM clips c WHERE c.alert_id = a.id"
            "   AND c.status IN ('done', 'expired')),"
            " (SELECT MIN(t.finished_at) FROM tasks t WHERE t.alert_id = a.id"
            "   AND t.kind = 'clip' AND t.status = 'done'),"
            " (SELECT MIN(t.finished_at) FROM tasks t WHERE t.alert_id = a.id"
            "   AND t.kind = 'rebuttal' AND t.status = 'done')"
            f" FROM alerts a WHERE a.created_at >= ? AND a.created_at < ? AND {condition}",
            [start, end, *params],
        )
        found: list[AlertTimes] = []
        for _, raised, ack, archived, clip_task, rebuttal in rows:
            clips = [t for t in (archived, clip_task) if t is not None]
            found.append(
                AlertTimes(
                    raised_at=raised,
                    ack=None if ack is None else ack - raised,
                    clip=min(clips) - raised if clips else None,
                    rebuttal=None if rebuttal is None else rebuttal - raised,
                )
            )
        return found


def _tags(scope: str) -> tuple[str, ...]:
    return tuple(json.loads(scope))


class FirstsFeed:
    """Alerts' first acks and first clips that happened after a watermark, once each:
    `/metrics` observes them into its histograms as they come."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def ack_mark(self) -> int:
        row = await self._conn.fetchone("SELECT COALESCE(MAX(rowid), 0) FROM alert_acks")
        return int(row[0]) if row else 0

    async def first_acks(self, after_rowid: int) -> tuple[list[float], int]:
        """Seconds from alert to first ack, for first acks past the mark; the new mark."""
        found = await self._conn.fetchall(
            "SELECT k.rowid, k.at - a.created_at FROM alert_acks k JOIN alerts a"
            " ON a.id = k.alert_id WHERE k.rowid > ? AND NOT EXISTS (SELECT 1 FROM"
            " alert_acks b WHERE b.alert_id = k.alert_id AND b.rowid < k.rowid)"
            " ORDER BY k.rowid",
            (after_rowid,),
        )
        rows = list(found)
        mark = max([after_rowid, *(int(r[0]) for r in rows)])
        row = await self._conn.fetchone(
            "SELECT COALESCE(MAX(rowid), ?) FROM alert_acks", (mark,)
        )
        return [max(0.0, float(r[1])) for r in rows], int(row[0]) if row else mark

    async def first_clips(self, after: float, until: float) -> list[float]:
        """Seconds from alert to its first clip (archived for it, or a clip task done),
        for first clips that came in (after, until]."""
        rows = await self._conn.fetchall(
            "SELECT alert_id, finished_at FROM clips WHERE alert_id IS NOT NULL"
            " AND status IN ('done', 'expired') AND finished_at > ? AND finished_at <= ?"
            " UNION ALL SELECT alert_id, finished_at FROM tasks WHERE alert_id IS NOT NULL"
            " AND kind = 'clip' AND status = 'done' AND finished_at > ? AND finished_at <= ?",
            (after, until, after, until),
        )
        candidates = list(rows)
        found: list[float] = []
        for alert_id in sorted({int(r[0]) for r in candidates}):
            row = await self._conn.fetchone(
                "SELECT a.created_at, MIN(x.t) FROM alerts a, (SELECT finished_at AS t"
                " FROM clips WHERE alert_id = ? AND status IN ('done', 'expired')"
                " UNION ALL SELECT finished_at FROM tasks WHERE alert_id = ? AND kind = 'clip'"
                " AND status = 'done') x WHERE a.id = ?",
                (alert_id, alert_id, alert_id),
            )
            if row is None or row[0] is None or row[1] is None:
                continue
            if after < row[1] <= until:
                found.append(max(0.0, float(row[1]) - float(row[0])))
        return found
