"""Tasks: the work an alert calls for (clip, rebuttal, share), and who may do what with it.

A task is open until someone claims it, claimed until its claimer finishes
or drops it, and done or dropped for good. An open task whose due time passes
is expired: still worth doing late, so it can be claimed, but nobody is
chased for it any more. Everything here is pure: times are epoch seconds
given by the caller, so tests use a clock of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.alerts import AlertTextError, extract_tags
from bot.domain.durations import DurationError, parse_duration
from bot.domain.ids import Kind, format_id
from bot.domain.members import Member
from bot.domain.roles import Grant, Role, has_role
from bot.domain.scopes import scope_matches
from bot.domain.tags import NATIONAL, TagAliases

MAX_TASK_TEXT = 300
MAX_RESULT_TEXT = 500
MAX_DUE_SECONDS = 30 * 86_400
MAX_TASKS_PER_ALERT = 8
"""Each open task is a line and a button on every relayed copy: a card has room for a few."""
MAX_ACTIVE_CLAIMS = 5
"""Tasks one member may hold at once (coordinators: no limit): nobody can sit on all the work."""
MAX_OPEN_CREATED = 10
"""Unfinished tasks one member may have created (coordinators: no limit)."""
MAX_RELEASES_PER_HOUR = 5
"""Tasks one member may let go of in an hour before claiming is paused for them: each
claim and drop is a notice in the origin room and an edit of every copy."""


class TaskKind(StrEnum):
    CLIP = "clip"
    REBUTTAL = "rebuttal"
    SHARE = "share"
    OTHER = "other"
    """Free text: the task's text says what to do."""


KIND_WORDS: dict[str, TaskKind] = {
    # What people type, in both languages.
    "clip": TaskKind.CLIP,
    "extrait": TaskKind.CLIP,
    "video": TaskKind.CLIP,
    "vidéo": TaskKind.CLIP,
    "rebuttal": TaskKind.REBUTTAL,
    "riposte": TaskKind.REBUTTAL,
    "réfutation": TaskKind.REBUTTAL,
    "refutation": TaskKind.REBUTTAL,
    "reponse": TaskKind.REBUTTAL,
    "réponse": TaskKind.REBUTTAL,
    "share": TaskKind.SHARE,
    "partage": TaskKind.SHARE,
    "partager": TaskKind.SHARE,
    "relais": TaskKind.SHARE,
}


def parse_kind(word: str) -> TaskKind | None:
    return KIND_WORDS.get(word.strip().casefold())


class TaskStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    DROPPED = "dropped"
    EXPIRED = "expired"


TAKEABLE = frozenset({TaskStatus.OPEN, TaskStatus.EXPIRED})
FINISHED = frozenset({TaskStatus.DONE, TaskStatus.DROPPED})


class TaskEventKind(StrEnum):
    CREATED = "created"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    CONFIRMED = "confirmed"
    """The claimer said they are still on it."""
    REMINDED = "reminded"
    """The claimer was asked "still on it?"."""
    RELEASED = "released"
    ESCALATED = "escalated"
    EXPIRED = "expired"
    DONE = "done"
    DROPPED = "dropped"
    LINKED = "linked"
    """A clip on its way will complete the task."""


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    kind: TaskKind
    text: str
    alert_id: int | None
    scope: tuple[str, ...]
    status: TaskStatus
    created_by: int | None
    creator_name: str
    origin_platform: str
    origin_chat_id: str
    origin_private: bool
    origin_label: str
    created_at: float
    opened_at: float
    due_at: float | None = None
    claimed_by: int | None = None
    claimer_name: str | None = None
    claimed_at: float | None = None
    claim_platform: str | None = None
    claim_chat_id: str | None = None
    claim_private: bool = False
    clip_id: int | None = None
    result_url: str | None = None
    result_clip_id: int | None = None
    result_text: str | None = None
    done_by: int | None = None
    done_name: str | None = None
    finished_at: float | None = None

    @property
    def short_id(self) -> str:
        return format_id(Kind.TASK, self.id)

    @property
    def alert_short_id(self) -> str | None:
        return None if self.alert_id is None else format_id(Kind.ALERT, self.alert_id)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def is_takeable(self) -> bool:
        return self.status in TAKEABLE

    @property
    def subject(self) -> str:
        """What the task's timers and messages are filed under."""
        return f"task:{self.id}"


@dataclass(frozen=True, slots=True)
class TaskEvent:
    task_id: int
    at: float
    event: TaskEventKind
    member_id: int | None
    member_name: str | None
    detail: str = ""


class TaskError(ValueError):
    """Carries an i18n key: the handler turns it into a localized reply."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class TaskDraft:
    kind: TaskKind
    text: str
    due_at: float | None
    scope: tuple[str, ...]


_STRICT_DUE = frozenset({"due", "échéance", "echeance", "deadline"})
"""Words that always introduce a due time: what follows must be one."""
_LOOSE_DUE = frozenset({"avant", "before"})
"""Words that introduce a due time only when a time follows (else they are text)."""
_TOMORROW = frozenset({"demain", "tomorrow"})


def _clock_time(token: str) -> tuple[int, int] | None:
    """`21:30`, `21h30`, `9:05` -> (hour, minute). `21h` alone is a duration (21 hours)."""
    value = token.strip().casefold()
    for separator in (":", "h"):
        if separator in value:
            hours, _, minutes = value.partition(separator)
            if hours.isdigit() and minutes.isdigit() and len(hours) <= 2 and len(minutes) == 2:
                hour, minute = int(hours), int(minutes)
                if hour < 24 and minute < 60:
                    return hour, minute
            return None
    return None


def parse_due(tokens: list[str], now: float, timezone: str) -> tuple[float, int]:
    """A due time from the tokens after `due`: (epoch seconds, tokens used).

    `30m`, `90s`, `1h30`: from now. `21:30`, `21h30`: today, in the network's
    time zone; `demain 08:00`: tomorrow. A time already past is an error,
    as is one more than 30 days away.
    """
    if not tokens:
        raise TaskError("task.bad_due", value="")
    zone = ZoneInfo(timezone)
    first = tokens[0]
    used = 1
    day_offset = 0
    if first.casefold() in _TOMORROW:
        if len(tokens) < 2:
            raise TaskError("task.bad_due", value=first[:20])
        day_offset, first, used = 1, tokens[1], 2
    clock = _clock_time(first)
    if clock is not None:
        local_now = datetime.fromtimestamp(now, zone)
        day = local_now.date() + timedelta(days=day_offset)
        moment = datetime(day.year, day.month, day.day, clock[0], clock[1], tzinfo=zone)
        due = moment.timestamp()
    elif day_offset:
        raise TaskError("task.bad_due", value=first[:20])
    else:
        try:
            due = now + parse_duration(first)
        except DurationError:
            raise TaskError("task.bad_due", value=first[:20]) from None
    if due <= now:
        raise TaskError("task.due_past", value=" ".join(tokens[:used])[:30])
    if due - now > MAX_DUE_SECONDS:
        raise TaskError("task.due_too_far", days=MAX_DUE_SECONDS // 86_400)
    return due, used


def parse_task_request(raw: str, now: float, timezone: str) -> TaskDraft:
    """`[kind] [text] [due 30m] [#tags]` (the alert id, if any, is already taken off).

    The first word is the kind when it names one (`clip`, `riposte`, `share`…);
    otherwise the task is free text and the text is required.
    """
    words = raw.split()
    kind = parse_kind(words[0]) if words else None
    if kind is not None:
        words = words[1:]
    due_at: float | None = None
    kept: list[str] = []
    i = 0
    while i < len(words):
        word = words[i].casefold()
        if word in _STRICT_DUE or (word in _LOOSE_DUE and _looks_like_due(words[i + 1 :])):
            if due_at is not None:
                raise TaskError("task.two_dues")
            due_at, used = parse_due(words[i + 1 :], now, timezone)
            i += 1 + used
            continue
        kept.append(words[i])
        i += 1
    try:
        text, scope = extract_tags(" ".join(kept))
    except AlertTextError as error:
        raise TaskError("task.bad_tag", **error.params) from None
    if len(text) > MAX_TASK_TEXT:
        raise TaskError("task.too_long", limit=MAX_TASK_TEXT, length=len(text))
    if kind is None:
        if not text:
            raise TaskError("task.no_text")
        kind = TaskKind.OTHER
    return TaskDraft(kind, text, due_at, scope)


def _looks_like_due(rest: list[str]) -> bool:
    if not rest:
        return False
    head = rest[0].casefold()
    if head in _TOMORROW:
        return len(rest) > 1 and _clock_time(rest[1]) is not None
    if _clock_time(head) is not None:
        return True
    try:
        parse_duration(head)
    except DurationError:
        return False
    return True


def member_scopes(member: Member, room_tags: Iterable[str] = ()) -> tuple[str, ...]:
    """The scopes someone acts in: the scope they were admitted in, what they follow, where
    they hold a role, the room they speak in. Someone in a room tagged `dept:069` may take
    `dept:069` work from it; someone accepted in the Lyon room belongs to Lyon anywhere."""
    found: dict[str, None] = {}
    grants = (g.scope for g in member.grants if g.scope)
    for tag in (*member.scope, *member.subscriptions, *grants, *room_tags):
        found[tag] = None
    return tuple(found)


def in_scope(task_scope: Iterable[str], scopes: Iterable[str], aliases: TagAliases) -> bool:
    """Network-wide work is everyone's; otherwise one shared scope (after aliases) is enough."""
    return scope_matches(task_scope, scopes, aliases)


def next_candidates(tasks: Iterable[Task], kind: TaskKind | None) -> list[Task]:
    """What `next` offers first: open tasks, oldest first, then expired ones (late work)."""
    chosen = [t for t in tasks if t.is_takeable and (kind is None or t.kind is kind)]
    return sorted(chosen, key=lambda t: (t.status is TaskStatus.EXPIRED, t.id))


def coordinators_for(
    members: Iterable[Member], scope: Iterable[str], aliases: TagAliases
) -> list[Member]:
    """Whom "dm coordinators" reaches: the coordinators who may act on the task, their
    scoped rights covering *every* tag of it (a task tagged `dept:069` and `dept:075` is
    for someone who coordinates both, as for `assign`); when there are none (or the task
    is network-wide), the network's coordinators and admins."""
    scope = tuple(scope)
    national = aliases.canonical(NATIONAL)

    def network_wide(grant: Grant) -> bool:
        return grant.scope is None or aliases.canonical(grant.scope) == national

    def covers(member: Member) -> bool:
        scoped = [g for g in member.grants if not network_wide(g)]
        return has_role(scoped, Role.COORDINATOR, scope, aliases)

    def network_coordinator(member: Member) -> bool:
        return any(g.role >= Role.COORDINATOR and network_wide(g) for g in member.grants)

    chosen = list(members)
    return [m for m in chosen if covers(m)] or [m for m in chosen if network_coordinator(m)]
