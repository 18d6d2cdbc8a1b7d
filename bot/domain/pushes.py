"""Pushes (`P3`): when approved content goes out, where, how often, and what came of it.

`push C4 [when] [to targets]` is parsed here into a `PushRequest`; the times
of every run follow from its `Rule` in the network's time zone (a daily push
at 08:00 stays at 08:00 across a change of summer time). Every run reports
each target's outcome: sent (with the post's URL), failed (why), or unknown
(the bot stopped while the post was on its way: someone must look).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.content import NETWORK_WORDS, SOCIAL_NETWORKS, ContentError, Network
from bot.domain.durations import DurationError, parse_duration
from bot.domain.ids import Kind, format_id
from bot.domain.messages import Counted
from bot.domain.scopes import scope_matches
from bot.domain.tags import InvalidTag, TagAliases, normalize_tag

MAX_AHEAD_SECONDS = 366 * 86_400
MAX_AHEAD_DAYS = MAX_AHEAD_SECONDS // 86_400
"""How far ahead a push may be scheduled (first run and `until`)."""
QUOTA_WINDOW = 86_400.0
"""X counts its posting quota over 24 hours."""


class PushStatus(StrEnum):
    SCHEDULED = "scheduled"
    """Runs still to come."""
    DONE = "done"
    """Every run fired (or was held and decided)."""
    CANCELLED = "cancelled"


class RunStatus(StrEnum):
    FIRED = "fired"
    HELD = "held"
    """Its time passed while the bot was down (beyond the grace): a coordinator decides."""
    DROPPED = "dropped"
    """Held, then cancelled (`unpush`)."""


class TargetState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    """Marked before the network call: after a crash it becomes UNKNOWN, never re-posted."""
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"


FINAL_STATES = frozenset(
    {TargetState.SENT, TargetState.FAILED, TargetState.UNKNOWN, TargetState.CANCELLED}
)


class RuleKind(StrEnum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"


_WEEKDAYS = {
    "monday": 0,
    "lundi": 0,
    "tuesday": 1,
    "mardi": 1,
    "wednesday": 2,
    "mercredi": 2,
    "thursday": 3,
    "jeudi": 3,
    "friday": 4,
    "vendredi": 4,
    "saturday": 5,
    "samedi": 5,
    "sunday": 6,
    "dimanche": 6,
}
_NOW = frozenset({"now", "maintenant", "immediately", "tout-de-suite"})
_AT = frozenset({"at", "à", "a", "le", "on"})
_IN = frozenset({"in", "dans"})
_EVERY = frozenset({"every", "chaque", "each"})
_TOMORROW = frozenset({"demain", "tomorrow"})
_TODAY = frozenset({"today", "aujourd'hui", "aujourdhui"})
_UNTIL = frozenset({"until", "jusqu'au", "jusqu’au", "jusqu'à", "jusqu’à", "till", "au"})
_TIMES = frozenset({"times", "time", "fois"})
_TO = frozenset({"to", "vers", "sur", "->"})
_ROOMS = frozenset({"rooms", "room", "salons", "salon"})
_CHANNELS = frozenset({"channel", "channels", "canal", "canaux", "chaine", "chaines", "chaîne"})
_DAY_WORDS = frozenset({"day", "jour", "days", "jours"})


@dataclass(frozen=True, slots=True)
class Rule:
    """How often a push runs. Once; or every day / every weekday at a local time, for a
    number of runs (`count`) computed from `until` or given as `10 times`."""

    kind: RuleKind = RuleKind.ONCE
    hour: int = 0
    minute: int = 0
    weekday: int | None = None
    count: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "hour": self.hour,
            "minute": self.minute,
            "weekday": self.weekday,
            "count": self.count,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        return cls(
            RuleKind(data.get("kind", "once")),
            int(data.get("hour", 0)),
            int(data.get("minute", 0)),
            data.get("weekday"),
            int(data.get("count", 1)),
        )

    @property
    def recurring(self) -> bool:
        return self.kind is not RuleKind.ONCE


@dataclass(frozen=True, slots=True)
class Targets:
    """Where a push goes. `rooms`: the content's own scope; `tags`: rooms of these tags."""

    rooms: bool = False
    tags: tuple[str, ...] = ()
    channels: bool = False
    networks: tuple[Network, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "rooms": self.rooms,
            "tags": list(self.tags),
            "channels": self.channels,
            "networks": [n.value for n in self.networks],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Targets:
        return cls(
            bool(data.get("rooms")),
            tuple(data.get("tags", ())),
            bool(data.get("channels")),
            tuple(Network(n) for n in data.get("networks", ())),
        )

    @property
    def any_rooms(self) -> bool:
        return self.rooms or bool(self.tags)

    def reaches_room(
        self, content_scope: Iterable[str], room_tags: Iterable[str], aliases: TagAliases
    ) -> bool:
        """A room with `room_tags` gets the push: the content's scope (`rooms`) or one of
        the tags named reaches it."""
        room_tags = tuple(room_tags)
        return (self.rooms and scope_matches(content_scope, room_tags, aliases)) or (
            bool(self.tags) and scope_matches(self.tags, room_tags, aliases)
        )

    def tags_without_rooms(
        self, rooms_tags: Iterable[Iterable[str]], aliases: TagAliases
    ) -> tuple[str, ...]:
        """The tags named that no room carries: a push to them would reach nobody there."""
        linked = [tuple(tags) for tags in rooms_tags]
        return tuple(
            tag
            for tag in self.tags
            if not any(scope_matches((tag,), tags, aliases) for tags in linked)
        )

    def words(self) -> list[str]:
        shown: list[str] = []
        if self.rooms:
            shown.append("rooms")
        shown.extend(f"#{tag}" for tag in self.tags)
        if self.channels:
            shown.append("channels")
        shown.extend(n.value for n in self.networks)
        return shown


@dataclass(frozen=True, slots=True)
class PushRequest:
    first_at: float
    rule: Rule
    targets: Targets
    now: bool = False
    """`push C4 now`: the first run is due at once."""


@dataclass(frozen=True, slots=True)
class Push:
    id: int
    content_id: int
    targets: Targets
    rule: Rule
    first_at: float
    next_at: float | None
    runs_done: int
    status: PushStatus
    created_by: int
    created_name: str
    origin_platform: str
    origin_chat_id: str
    origin_private: bool
    lang: str | None
    created_at: float
    cancelled_at: float | None = None
    cancelled_name: str | None = None

    @property
    def short_id(self) -> str:
        return format_id(Kind.PUSH, self.id)

    @property
    def subject(self) -> str:
        """Timers of this push (its runs, its reports) share this subject."""
        return f"push:{self.id}"


@dataclass(frozen=True, slots=True)
class PushRun:
    id: int
    push_id: int
    number: int
    due_at: float
    status: RunStatus
    fired_at: float | None = None
    late_by: float = 0.0
    reported_at: float | None = None

    @property
    def subject(self) -> str:
        """Outbox subject of this run's room and channel copies."""
        return f"push-run:{self.id}"

    @property
    def kits_prefix(self) -> str:
        """Outbox subjects of this run's share kits start so: one subject per member's kit
        (text and video), so that `unpush` stops each kit whole."""
        return f"push-kit:{self.id}:"


@dataclass(frozen=True, slots=True)
class PushTarget:
    """One social account's post for one run (rooms and channels are outbox rows)."""

    id: int
    run_id: int
    push_id: int
    network: Network
    state: TargetState
    text: str
    media_path: str | None = None
    url: str | None = None
    reason: str | None = None
    started_at: float | None = None
    finished_at: float | None = None


# --- parsing ------------------------------------------------------------------------------


def clock_time(token: str) -> tuple[int, int] | None:
    """`18:00`, `18h00`, `8h`, `8:05` -> (hour, minute)."""
    value = token.strip().casefold()
    for separator in (":", "h"):
        if separator in value:
            hours, _, minutes = value.partition(separator)
            minutes = minutes or "00"
            if hours.isdigit() and minutes.isdigit() and len(hours) <= 2 and len(minutes) == 2:
                hour, minute = int(hours), int(minutes)
                if hour < 24 and minute < 60:
                    return hour, minute
            return None
    return None


def parse_date(token: str, today: date) -> date | None:
    """`2027-01-15`, `15/01/2027`, `15/01` (this year, or next if already past)."""
    value = token.strip().rstrip(",.")
    try:
        if "-" in value:
            return date.fromisoformat(value)
        if "/" in value:
            parts = value.split("/")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                year = int(parts[2]) + (2000 if len(parts[2]) == 2 else 0)
                return date(year, int(parts[1]), int(parts[0]))
            if len(parts) == 2 and all(p.isdigit() for p in parts):
                found = date(today.year, int(parts[1]), int(parts[0]))
                return found if found >= today else date(today.year + 1, found.month, found.day)
    except ValueError:
        return None
    return None


def _local(day: date, hour: int, minute: int, zone: ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp()


def parse_push_request(
    words: Sequence[str], now: float, timezone: str, *, max_repeat: int
) -> PushRequest:
    """The words after `push C4`: `[now|at 18:00|in 2h|every day 08:00 until …] [to …]`."""
    zone = ZoneInfo(timezone)
    local_now = datetime.fromtimestamp(now, zone)
    lowered = [w.casefold() for w in words]
    split = next((i for i, w in enumerate(lowered) if w in _TO), len(words))
    when, where = list(words[:split]), list(words[split + 1 :])
    if split < len(words) and not where:
        raise ContentError("push.no_targets")
    targets = parse_targets(where) if where else Targets(rooms=True)
    if not when or when[0].casefold() in _NOW:
        if len(when) > 1:
            raise ContentError("push.bad_when", value=" ".join(when)[:40])
        return PushRequest(now, Rule(), targets, now=True)
    head = when[0].casefold()
    if head in _IN:
        if len(when) != 2:
            raise ContentError("push.bad_when", value=" ".join(when)[:40])
        try:
            delay = parse_duration(when[1])
        except DurationError:
            raise ContentError("push.bad_when", value=" ".join(when)[:40]) from None
        return PushRequest(_check_ahead(now + delay, now), Rule(), targets)
    if head in _EVERY or (head == "tous" and len(when) > 1 and when[1].casefold() == "les"):
        rest = when[1:] if head in _EVERY else when[2:]
        return PushRequest(*_recurring(rest, now, local_now, zone, max_repeat), targets)
    # The value quoted back is what was typed, `at` included (`push C4 at` alone).
    typed = " ".join(when)[:40]
    if head in _AT:
        when = when[1:]
    first = _one_time(when, now, local_now, zone, typed)
    return PushRequest(first, Rule(), targets)


def _check_ahead(moment: float, now: float) -> float:
    if moment - now > MAX_AHEAD_SECONDS:
        raise ContentError("push.too_far", days=Counted("count.days", MAX_AHEAD_DAYS))
    return moment


def _one_time(
    when: list[str], now: float, local_now: datetime, zone: ZoneInfo, shown: str
) -> float:
    day = local_now.date()
    rest = list(when)
    if rest and rest[0].casefold() in _TOMORROW:
        day += timedelta(days=1)
        rest = rest[1:]
    elif rest and rest[0].casefold() in _TODAY:
        rest = rest[1:]
    elif len(rest) == 2 and (found := parse_date(rest[0], day)) is not None:
        day, rest = found, rest[1:]
    if len(rest) != 1:
        raise ContentError("push.bad_when", value=shown)
    clock = clock_time(rest[0])
    if clock is None:
        raise ContentError("push.bad_when", value=shown)
    moment = _local(day, clock[0], clock[1], zone)
    if moment <= now:
        raise ContentError("push.past", value=" ".join(when)[:40])
    return _check_ahead(moment, now)


def _recurring(
    rest: list[str], now: float, local_now: datetime, zone: ZoneInfo, max_repeat: int
) -> tuple[float, Rule]:
    shown = " ".join(rest)[:40]
    if len(rest) < 2:
        raise ContentError("push.bad_every", value=shown)
    unit = rest[0].casefold()
    weekday: int | None = None
    if unit in _WEEKDAYS:
        weekday = _WEEKDAYS[unit]
    elif unit not in _DAY_WORDS:
        raise ContentError("push.bad_every", value=shown)
    clock = clock_time(rest[1])
    if clock is None:
        raise ContentError("push.bad_every", value=shown)
    rule = Rule(RuleKind.WEEKLY if weekday is not None else RuleKind.DAILY, *clock, weekday)
    first = next_run(rule, now, zone)
    end = rest[2:]
    if not end:
        raise ContentError("push.no_end", runs=Counted("count.runs", max_repeat))
    count: int | None = None
    if len(end) == 2 and end[0].isdigit() and end[1].casefold() in _TIMES:
        count = int(end[0]) if len(end[0]) <= 6 else max_repeat + 1
    elif end[0].casefold() in _UNTIL and len(end) == 2:
        last_day = parse_date(end[1], local_now.date())
        if last_day is None:
            raise ContentError("push.bad_until", value=end[1][:20])
        last = _local(last_day, 23, 59, zone)
        if last - now > MAX_AHEAD_SECONDS:
            raise ContentError("push.too_far", days=Counted("count.days", MAX_AHEAD_DAYS))
        count = sum(
            1
            for t in occurrences(Rule(rule.kind, *clock, weekday, max_repeat + 1), first, zone)
            if t <= last
        )
        if count == 0:
            raise ContentError("push.past", value=end[1][:20])
    else:
        raise ContentError("push.bad_every", value=shown)
    if count < 1:
        raise ContentError("push.zero_times", value=" ".join(end)[:20])
    if count > max_repeat:
        raise ContentError("push.too_many_runs", n=max_repeat, runs=Counted("count.runs", count))
    return first, Rule(rule.kind, rule.hour, rule.minute, weekday, count)


def parse_targets(words: Iterable[str]) -> Targets:
    rooms = channels = False
    tags: list[str] = []
    networks: list[Network] = []
    for word in words:
        lowered = word.casefold().strip(",")
        if not lowered:
            continue
        if lowered in _ROOMS:
            rooms = True
        elif lowered in _CHANNELS:
            channels = True
        elif not word.startswith("#") and lowered in NETWORK_WORDS:
            network = NETWORK_WORDS[lowered]
            if network not in SOCIAL_NETWORKS:
                raise ContentError("push.bad_target", value=word[:30])
            if network not in networks:
                networks.append(network)
        else:
            try:
                tag = normalize_tag(word.strip(","))
            except InvalidTag:
                raise ContentError("push.bad_target", value=word[:30]) from None
            if not word.startswith("#"):
                raise ContentError("push.bad_target", value=word[:30])
            if tag not in tags:
                tags.append(tag)
    return Targets(rooms, tuple(tags), channels, tuple(networks))


# --- times --------------------------------------------------------------------------------


def next_run(rule: Rule, after: float, zone: ZoneInfo) -> float:
    """The first time of a recurring rule strictly after `after`."""
    local = datetime.fromtimestamp(after, zone)
    day = local.date()
    for _ in range(9):
        if rule.weekday is None or day.weekday() == rule.weekday:
            moment = _local(day, rule.hour, rule.minute, zone)
            if moment > after:
                return moment
        day += timedelta(days=1)
    raise AssertionError("a weekly rule always has a next run")  # pragma: no cover


def occurrences(rule: Rule, first: float, zone: ZoneInfo, *, start: int = 0) -> list[float]:
    """Every run's time, from run number `start` (0-based) on."""
    if not rule.recurring:
        return [first] if start == 0 else []
    found: list[float] = []
    moment = first
    for number in range(rule.count):
        if number >= start:
            found.append(moment)
        moment = next_run(rule, moment, zone)
    return found


# --- decisions ----------------------------------------------------------------------------


def late_decision(late_by: float, grace: float) -> RunStatus:
    """A run fired after its time: within the grace it goes out, beyond it is held."""
    return RunStatus.FIRED if late_by <= grace else RunStatus.HELD


@dataclass(frozen=True, slots=True)
class QuotaOverflow:
    at: float
    count: int


def quota_overflow(
    existing: Iterable[float], planned: Iterable[float], quota: int, window: float = QUOTA_WINDOW
) -> QuotaOverflow | None:
    """The first planned post that would make some `window`-long span hold more than `quota`
    posts (`existing`: posts made or promised), with that span's count; None: it fits."""
    if quota <= 0:
        return None
    new = sorted(planned)
    every = sorted([*existing, *new])
    for moment in new:
        starts = [t for t in every if moment - window < t <= moment]
        worst = 0
        for begin in starts:
            worst = max(worst, sum(1 for t in every if begin <= t < begin + window))
        if worst > quota:
            return QuotaOverflow(moment, worst)
    return None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one run became, target by target, for the report and `pushes`."""

    rooms_sent: int = 0
    rooms_failed: int = 0
    rooms_waiting: int = 0
    room_failures: tuple[tuple[str, str], ...] = field(default=())
    targets: tuple[PushTarget, ...] = field(default=())

    @property
    def finished(self) -> bool:
        return self.rooms_waiting == 0 and all(t.state in FINAL_STATES for t in self.targets)
