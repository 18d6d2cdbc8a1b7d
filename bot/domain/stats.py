"""The barometer: what a member, a scope or the network did, as counts and small bar charts.

The rules are here, pure, over plain rows: the store computes the same
figures in SQL (a national network has 150,000 members and a million
deliveries; nothing is loaded into Python to be counted), and a test pins
the SQL to these functions on random data.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.tags import NATIONAL, TagAliases

DAY = 86_400.0
WEEK = 7 * DAY
MEMBER_PERIOD = 30 * DAY
"""`stats me` counts the last 30 days (people brought in: since the start)."""
BAR_WIDTH = 10
_EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` (excluded) to `end` (included): what happened just now counts."""

    start: float
    end: float

    def holds(self, moment: float | None) -> bool:
        return moment is not None and self.start < moment <= self.end


def weeks(now: float) -> tuple[Period, Period]:
    """The last seven days, and the seven before: "this week vs last" at any hour."""
    return Period(now - WEEK, now), Period(now - 2 * WEEK, now - WEEK)


def median(values: Iterable[float]) -> float | None:
    found = list(values)
    return statistics.median(found) if found else None


def median_of_counts(histogram: Mapping[int, int]) -> float | None:
    """The median of per-member counts given as {count: members with that count}."""
    total = sum(histogram.values())
    if total == 0:
        return None
    ordered = sorted(histogram.items())

    def at(position: int) -> int:
        seen = 0
        for value, members in ordered:
            seen += members
            if position < seen:
                return value
        return ordered[-1][0]

    if total % 2:
        return float(at(total // 2))
    return (at(total // 2 - 1) + at(total // 2)) / 2


def bar(value: float, scale: float, width: int = BAR_WIDTH) -> str:
    """`█████▌` for `value` out of `scale`, in eighths of a cell; at least a sliver when
    the value is not zero, so a small count never looks like nothing."""
    if scale <= 0 or value <= 0:
        return ""
    cells = min(1.0, value / scale) * width
    whole = int(cells)
    eighths = round((cells - whole) * 8)
    if eighths == 8:
        whole, eighths = whole + 1, 0
    text = FULL * whole + (_EIGHTHS[eighths] if eighths else "")
    return text or _EIGHTHS[1]


def nice_number(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@dataclass(frozen=True, slots=True)
class MemberCounts:
    alerts: int = 0
    acks: int = 0
    tasks_done: int = 0
    shares: int = 0
    brought_in: int = 0


METRICS = ("alerts", "acks", "tasks_done", "shares", "brought_in")


@dataclass(frozen=True, slots=True)
class MemberBarometer:
    mine: MemberCounts
    medians: Mapping[str, float | None]
    """Per metric: the median among the members with at least one (None: nobody has one)."""


@dataclass(frozen=True, slots=True)
class ScopeWeek:
    alerts: int = 0
    first_ack: float | None = None
    """Median seconds from an alert to its first ack (alerts that got one)."""
    first_clip: float | None = None
    """Median seconds from an alert to its first clip (archived, or a clip task done)."""
    tasks_done: int = 0
    active_members: int = 0
    new_members: int | None = None
    """Network-wide only: members who came in during the period."""


# -- the rules, over plain rows (the SQL in bot/store/stats.py does the same) -----------------


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    scope: tuple[str, ...]
    author: int | None
    created_at: float


@dataclass(frozen=True, slots=True)
class AckRow:
    alert_id: int
    member: int
    at: float


@dataclass(frozen=True, slots=True)
class TaskRow:
    alert_id: int | None
    scope: tuple[str, ...]
    kind: str
    status: str
    done_by: int | None
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class ClipRow:
    alert_id: int | None
    status: str
    finished_at: float | None


def in_scope(scope: Sequence[str], tags: Collection[str] | None, aliases: TagAliases) -> bool:
    """Network stats (`tags` None) count everything; `stats #tag` what carries the tag."""
    if tags is None:
        return True
    wanted = aliases.canonical_set(tags) - {aliases.canonical(NATIONAL)}
    return bool(aliases.canonical_set(scope) & wanted)


def scope_week(
    period: Period,
    tags: Collection[str] | None,
    aliases: TagAliases,
    alerts: Iterable[AlertRow],
    acks: Iterable[AckRow],
    tasks: Iterable[TaskRow],
    clips: Iterable[ClipRow],
) -> ScopeWeek:
    """One period of one scope: alerts raised, median time to the first ack and to the first
    clip, tasks done, and the members who did any of it."""
    alerts = [a for a in alerts if period.holds(a.created_at) and in_scope(a.scope, tags, aliases)]
    by_id = {a.id: a for a in alerts}
    acks = list(acks)
    tasks = list(tasks)
    first_ack: dict[int, float] = {}
    for ack in acks:
        if ack.alert_id in by_id:
            first_ack[ack.alert_id] = min(first_ack.get(ack.alert_id, math.inf), ack.at)
    first_clip: dict[int, float] = {}
    for clip in clips:
        if clip.alert_id in by_id and clip.status == "done" and clip.finished_at is not None:
            first_clip[clip.alert_id] = min(first_clip.get(clip.alert_id, math.inf),
                                            clip.finished_at)  # fmt: skip
    for task in tasks:
        if (
            task.alert_id in by_id
            and task.kind == "clip"
            and task.status == "done"
            and task.finished_at is not None
        ):
            alert_id = task.alert_id
            assert alert_id is not None
            first_clip[alert_id] = min(first_clip.get(alert_id, math.inf), task.finished_at)
    done = [
        t
        for t in tasks
        if t.status == "done"
        and period.holds(t.finished_at)
        and in_scope(t.scope, tags, aliases)
    ]
    active: set[int] = {a.author for a in alerts if a.author is not None}
    scoped_ids = {a.id for a in alerts}
    for ack in acks:
        if period.holds(ack.at) and ack.alert_id in scoped_ids:
            active.add(ack.member)
    active.update(t.done_by for t in done if t.done_by is not None)
    return ScopeWeek(
        alerts=len(alerts),
        first_ack=median(first_ack[i] - by_id[i].created_at for i in first_ack),
        first_clip=median(first_clip[i] - by_id[i].created_at for i in first_clip),
        tasks_done=len(done),
        active_members=len(active),
    )
