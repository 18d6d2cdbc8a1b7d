"""The barometer's arithmetic: periods, weeks, medians and 90th percentiles. No I/O.

Response times are per alert: from the alert to its first ack, its first
clip and its first rebuttal. A week's figure is over the alerts raised that
week (Monday to Sunday in the network's time zone), so a slow week stays
slow when its late rebuttals arrive the next week.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MEASURES = ("ack", "clip", "rebuttal")
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 28


class PeriodError(ValueError):
    """A period that cannot be read; `key` names the i18n message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date
    """Both days included, in the network's time zone."""

    def bounds(self, zone: ZoneInfo) -> tuple[float, float]:
        """[start, end) in epoch seconds."""
        start = datetime.combine(self.first, datetime.min.time(), zone)
        end = datetime.combine(self.last + timedelta(days=1), datetime.min.time(), zone)
        return start.timestamp(), end.timestamp()

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def parse_period(first: str | None, last: str | None, today: date) -> Period:
    """`from`/`to` as ISO dates (what an `<input type=date>` sends); defaults: the last
    four weeks. Refused: unreadable dates, an end before the start, over a year."""
    try:
        end = date.fromisoformat(last) if last else today
        default_start = end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        start = date.fromisoformat(first) if first else default_start
    except ValueError:
        raise PeriodError("web.period.bad_date") from None
    if start > end:
        raise PeriodError("web.period.reversed")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError("web.period.too_long")
    return Period(start, end)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class AlertTimes:
    """One alert: when it was raised, and seconds to each first (None: never)."""

    raised_at: float
    ack: float | None = None
    clip: float | None = None
    rebuttal: float | None = None


@dataclass(frozen=True, slots=True)
class WeekFigures:
    week: date
    """The Monday the week starts on."""
    alerts: int
    median: dict[str, float | None] = field(default_factory=dict)
    p90: dict[str, float | None] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    """How many of the week's alerts got each first at all."""


def week_of(moment: float, zone: ZoneInfo) -> date:
    day = datetime.fromtimestamp(moment, zone).date()
    return day - timedelta(days=day.weekday())


def weekly_response_times(
    alerts: Iterable[AlertTimes], zone: ZoneInfo, period: Period
) -> list[WeekFigures]:
    """Median and 90th percentile of each measure, per week of the period (every week
    listed, empty ones too, so a plot shows the gaps)."""
    by_week: dict[date, list[AlertTimes]] = {}
    for item in alerts:
        by_week.setdefault(week_of(item.raised_at, zone), []).append(item)
    first = period.first - timedelta(days=period.first.weekday())
    weeks: list[WeekFigures] = []
    week = first
    while week <= period.last:
        items = by_week.get(week, [])
        median: dict[str, float | None] = {}
        p90: dict[str, float | None] = {}
        answered: dict[str, int] = {}
        for measure in MEASURES:
            values = [v for v in (getattr(i, measure) for i in items) if v is not None]
            answered[measure] = len(values)
            median[measure] = percentile(values, 0.5) if values else None
            p90[measure] = percentile(values, 0.9) if values else None
        weeks.append(WeekFigures(week, len(items), median, p90, answered))
        week += timedelta(days=7)
    return weeks
