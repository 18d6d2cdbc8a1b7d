"""The rapid-response clock of one alert: what happened, when, and how long after the alert.

"Someone captured the video, uploaded it, and we rebutted within the hour"
is the job; this is how a network sees whether it did it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.alerts import Alert
from bot.domain.tasks import Task, TaskEvent, TaskEventKind, TaskKind


class Milestone(StrEnum):
    RAISED = "raised"
    FIRST_ACK = "first_ack"
    CLAIMED = "claimed"
    RELEASED = "released"
    DONE = "done"
    EXPIRED = "expired"
    DROPPED = "dropped"
    CLIP_ARCHIVED = "clip_archived"
    CANCELLED = "cancelled"


_FROM_EVENTS = {
    TaskEventKind.CLAIMED: Milestone.CLAIMED,
    TaskEventKind.ASSIGNED: Milestone.CLAIMED,
    TaskEventKind.RELEASED: Milestone.RELEASED,
    TaskEventKind.DONE: Milestone.DONE,
    TaskEventKind.EXPIRED: Milestone.EXPIRED,
    TaskEventKind.DROPPED: Milestone.DROPPED,
}


@dataclass(frozen=True, slots=True)
class Entry:
    at: float
    what: Milestone
    task: Task | None = None
    who: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class AlertClock:
    raised_at: float
    entries: tuple[Entry, ...]
    firsts: Mapping[str, float] = field(default_factory=dict)
    """Seconds from the alert to the first ack, clip, rebuttal and share (those that happened)."""


@dataclass(frozen=True, slots=True)
class ArchivedClip:
    short_id: str
    at: float


def alert_clock(
    alert: Alert,
    tasks: Iterable[Task],
    events: Iterable[TaskEvent],
    first_clip: ArchivedClip | None,
) -> AlertClock:
    raised = alert.created_at.timestamp()
    by_id = {task.id: task for task in tasks}
    entries = [Entry(raised, Milestone.RAISED, who=alert.author_name)]
    if alert.acks:
        first = alert.acks[0]
        entries.append(Entry(first.at.timestamp(), Milestone.FIRST_ACK, who=first.member_name))
    for event in events:
        what = _FROM_EVENTS.get(event.event)
        task = by_id.get(event.task_id)
        if what is None or task is None:
            continue
        entries.append(Entry(event.at, what, task, event.member_name, event.detail or None))
    if first_clip is not None:
        entries.append(Entry(first_clip.at, Milestone.CLIP_ARCHIVED, detail=first_clip.short_id))
    if alert.cancelled_at is not None:
        entries.append(Entry(alert.cancelled_at.timestamp(), Milestone.CANCELLED))
    entries.sort(key=lambda entry: entry.at)
    firsts: dict[str, float] = {}
    if alert.acks:
        firsts["ack"] = alert.acks[0].at.timestamp() - raised
    for entry in entries:
        if entry.what is Milestone.CLIP_ARCHIVED or (
            entry.what is Milestone.DONE and entry.task is not None
        ):
            kind = TaskKind.CLIP if entry.task is None else entry.task.kind
            if kind is not TaskKind.OTHER:
                firsts.setdefault(kind.value, entry.at - raised)
    return AlertClock(raised, tuple(entries), firsts)
