"""Durations typed in chat and in the config (`90s`, `5m`, `1h30m`), and shown back.

Seconds are accepted everywhere so that tests and demos need not wait minutes.
A bare number is refused in chat (`due 30`: minutes? seconds?); the config
may give a number of seconds.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

_PART = re.compile(r"(\d{1,5})(j|d|h|min|mn|m|sec|s)?", re.IGNORECASE)
_UNITS = {"j": 86_400, "d": 86_400, "h": 3_600, "min": 60, "mn": 60, "m": 60, "s": 1, "sec": 1}
MAX_DURATION = 366 * 86_400


class DurationError(ValueError):
    def __init__(self, raw: str) -> None:
        super().__init__(raw)
        self.raw = raw


def parse_duration(text: str) -> float:
    """`90s`, `5m`, `5min`, `1h`, `1h30m`, `1j`/`1d`: seconds.

    Raises DurationError for anything else, for a number without a unit, and for zero.
    """
    raw = text.strip().casefold().replace(" ", "")
    if not raw:
        raise DurationError(text)
    total = 0
    position = 0
    while position < len(raw):
        match = _PART.match(raw, position)
        if match is None or match.group(2) is None:
            # A number without a unit is ambiguous; `21h30` is a time of day, not this.
            raise DurationError(text)
        total += int(match.group(1)) * _UNITS[match.group(2).casefold()]
        position = match.end()
    if total <= 0 or total > MAX_DURATION:
        raise DurationError(text)
    return float(total)


def format_elapsed(seconds: float) -> str:
    """`45 s`, `12 min`, `1 h 05`, `52 h 10`: short, the same in French and English."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d}"


def format_local_time(epoch: float, timezone: str, now: float) -> str:
    """`21:30` today, `25/03 21:30` another day, in the network's time zone."""
    zone = ZoneInfo(timezone)
    local = datetime.fromtimestamp(epoch, zone)
    today = datetime.fromtimestamp(now, zone).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d/%m %H:%M")
