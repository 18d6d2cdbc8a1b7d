"""Quiet hours and digests: when a member's alerts wait, and when they are released. No I/O.

A member may set quiet hours (`23:00-07:00`) in their own time zone or the
network's: an alert arriving then is held, and everything held is released as
one digest when the window ends. A member may instead take one digest a day
(`digest daily 19:00`): every alert is held until then. Urgent alerts (raised
by coordinators as `!urgent`) are never held.

The fan-out decides in SQL for 150,000 members at once; it asks Python only
which of the few distinct windows are active now (`active_quiet_keys`), so
the rule lives here once and a test pins the SQL to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
NOTIFY_ALL = "all"
"""`notify all`: alerts and digests go to every linked identity."""
MAX_ZONE_LENGTH = 64
_CLOCK = re.compile(r"^(\d{1,2})(?:(?:[:hH.])(\d{2})?)?$")
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$")
_WINDOW_SEPARATORS = re.compile(r"\s*[-–—]\s*|\s+(?:à|a|to)\s+", re.IGNORECASE)


class QuietError(ValueError):
    """Carries an i18n key: the handler turns it into a localized one-line answer."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class QuietWindow:
    """Minutes after local midnight; the start is inside, the end is not. May wrap
    past midnight (23:00-07:00)."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    @property
    def label(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"


@dataclass(frozen=True, slots=True)
class NotifyPrefs:
    notify: str | None = None
    """None: the platform joined first; `all`; or one platform's name."""
    tz: str | None = None
    """The member's own IANA zone; None: the network's."""
    quiet: QuietWindow | None = None
    digest_at: int | None = None
    """A daily digest at this local minute instead of each alert."""

    def zone(self, network_tz: str) -> str:
        return self.tz or network_tz


def format_clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_clock(text: str) -> int:
    """`23:00`, `23h`, `23h30`, `7`, `07.15`: minutes after midnight."""
    match = _CLOCK.match(text.strip())
    if match is None:
        raise QuietError("quiet.bad_time", value=text[:20])
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        raise QuietError("quiet.bad_time", value=text[:20])
    return hours * 60 + minutes


def parse_window(text: str) -> QuietWindow:
    """`23:00-07:00`, `23h-7h`, `23:00 07:00`, `23h à 7h`: a quiet window."""
    parts = [p for p in _WINDOW_SEPARATORS.split(text.strip(), maxsplit=1) if p]
    if len(parts) != 2:
        parts = text.split()
    if len(parts) != 2:
        raise QuietError("quiet.bad_window", value=text[:40])
    window = QuietWindow(parse_clock(parts[0]), parse_clock(parts[1]))
    if window.start == window.end:
        raise QuietError("quiet.empty_window", value=window.label)
    return window


def check_zone(text: str) -> str:
    """An IANA zone name as typed (`Europe/Paris`), checked against the system's database."""
    name = text.strip()
    if not name or len(name) > MAX_ZONE_LENGTH or not _ZONE.match(name):
        raise QuietError("tz.unknown", value=name[:40])
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise QuietError("tz.unknown", value=name[:40]) from None
    return name


def local_minute(now: float, zone: str) -> int:
    local = datetime.fromtimestamp(now, ZoneInfo(zone))
    return local.hour * 60 + local.minute


def next_local(now: float, zone: str, minute: int) -> float:
    """The first moment strictly after `now` when the clock in `zone` shows `minute`.

    Across a change of time (DST), a local time that does not exist that day
    comes at the hour the change leads to; one that exists twice comes the first time.
    """
    tz = ZoneInfo(zone)
    today = datetime.fromtimestamp(now, tz).date()
    for offset in range(3):
        day = today + timedelta(days=offset)
        when = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
        if when.timestamp() > now:
            return when.timestamp()
    raise AssertionError("unreachable")  # pragma: no cover


def quiet_key(zone: str, window: QuietWindow) -> str:
    """How the SQL fan-out names a member's window: `Europe/Paris|1380|420`."""
    return f"{zone}|{window.start}|{window.end}"


def digest_key(zone: str, minute: int) -> str:
    return f"{zone}|{minute}"


def is_quiet(prefs: NotifyPrefs, now: float, network_tz: str) -> bool:
    return prefs.quiet is not None and prefs.quiet.contains(
        local_minute(now, prefs.zone(network_tz))
    )


def holds(prefs: NotifyPrefs, now: float, network_tz: str, *, urgent: bool = False) -> bool:
    """Does an alert arriving now wait for this member's digest?"""
    if urgent:
        return False
    return prefs.digest_at is not None or is_quiet(prefs, now, network_tz)


def release_at(prefs: NotifyPrefs, now: float, network_tz: str) -> float | None:
    """When what this member has held is released: the daily digest time, or the end of
    the quiet window they are in. None: nothing is held now (release at once)."""
    zone = prefs.zone(network_tz)
    if prefs.digest_at is not None:
        return next_local(now, zone, prefs.digest_at)
    if prefs.quiet is not None and is_quiet(prefs, now, network_tz):
        return next_local(now, zone, prefs.quiet.end)
    return None


def active_quiet_keys(
    windows: Iterable[tuple[str, int, int]], now: float
) -> list[str]:
    """Of the distinct (zone, start, end) windows members use, the ones active now."""
    active: list[str] = []
    for zone, start, end in windows:
        window = QuietWindow(start, end)
        if window.contains(local_minute(now, zone)):
            active.append(quiet_key(zone, window))
    return active
