"""Time ranges typed in chat (`from 12:30 to 13:10`, `12:30-13:10`, `+40s`): pure parsing.

People copy times from a replay player, so `12:30` is minutes:seconds and
`1:02:30` is hours:minutes:seconds. A range without an end (`from 1:02:30`)
runs to the end of the video; `+40s` is a length, from the start or from a
given time (`from 12:30 +40s`). Every failure names what was wrong with an
i18n key, so the chat gets a short localized answer, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{1,2})(?:[.,](\d{1,3}))?$")
_SECONDS = re.compile(r"^(\d{1,6})(?:[.,](\d{1,3}))?s?$")
_LENGTH = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,4})(?:m|min))?(?:(\d{1,6})s?)?$")
_FROM = ("from", "de", "depuis", "du")
_TO = ("to", "à", "a", "au", "jusqu'à", "until")


class RangeError(ValueError):
    """A range that cannot be read or is not allowed; `key` is an i18n key."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class ClipRange:
    """Seconds from the start of the video; `end` None means "to the end"."""

    start: float = 0.0
    end: float | None = None

    @property
    def length(self) -> float | None:
        return None if self.end is None else self.end - self.start

    @property
    def is_whole(self) -> bool:
        return self.start == 0 and self.end is None

    def key(self) -> str:
        """Stable text for deduplication: the same range always gives the same key."""
        end = "" if self.end is None else f"{self.end:.3f}"
        return f"{self.start:.3f}-{end}"

    def __str__(self) -> str:
        if self.is_whole:
            return "*"
        if self.end is None:
            return f"{format_clock(self.start)}-"
        return f"{format_clock(self.start)}-{format_clock(self.end)}"


def format_clock(seconds: float) -> str:
    """`754` -> `12:34`, `3750.5` -> `1:02:30.5`."""
    whole = int(seconds)
    fraction = seconds - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if fraction >= 0.05:
        text += f".{round(fraction * 10) % 10}"
    return text


def parse_time(token: str) -> float:
    """A point in the video: `12:30`, `1:02:30`, `754`, `754s`, `12:30.5`."""
    value = token.strip()
    clock = _CLOCK.match(value)
    if clock is not None:
        hours, minutes, seconds, millis = clock.groups()
        if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            raise RangeError("range.bad_time", value=value[:20])
        total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        return total + (int(millis.ljust(3, "0")) / 1000 if millis else 0.0)
    plain = _SECONDS.match(value)
    if plain is not None:
        whole, millis = plain.groups()
        return int(whole) + (int(millis.ljust(3, "0")) / 1000 if millis else 0.0)
    raise RangeError("range.bad_time", value=value[:20])


def parse_length(token: str) -> float:
    """A length: `40s`, `40`, `1m30s`, `2min`, `1h`."""
    value = token.strip().lower()
    match = _LENGTH.match(value) if value else None
    if match is None or not any(match.groups()):
        raise RangeError("range.bad_length", value=token.strip()[:20])
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise RangeError("range.empty")
    return float(total)


def _tokens(text: str) -> list[str]:
    spaced = re.sub(r"\s*\+\s*", " +", text.strip())
    # `12:30-13:10` and `12:30 - 13:10` are one range written without words.
    spaced = re.sub(r"(?<=[\d.s])\s*-\s*(?=\d)", " to ", spaced)
    return spaced.split()


def parse_range(text: str) -> ClipRange:
    """The range written after the URL; empty text means the whole video."""
    tokens = _tokens(text)
    if not tokens:
        return ClipRange()
    start: float | None = None
    end: float | None = None
    length: float | None = None
    i = 0
    while i < len(tokens):
        word = tokens[i].casefold()
        if word in _FROM:
            if start is not None or i + 1 >= len(tokens):
                raise RangeError("range.malformed", value=text.strip()[:60])
            start = parse_time(tokens[i + 1])
            i += 2
        elif word in _TO:
            if end is not None or length is not None or i + 1 >= len(tokens):
                raise RangeError("range.malformed", value=text.strip()[:60])
            end = parse_time(tokens[i + 1])
            i += 2
        elif word.startswith("+"):
            if end is not None or length is not None:
                raise RangeError("range.malformed", value=text.strip()[:60])
            length = parse_length(word[1:])
            i += 1
        elif start is None and i == 0:
            start = parse_time(tokens[i])  # `12:30 to 13:10` without `from`
            i += 1
        else:
            raise RangeError("range.malformed", value=text.strip()[:60])
    begin = start or 0.0
    if length is not None:
        end = begin + length
    if end is not None and end <= begin:
        raise RangeError("range.backwards", start=format_clock(begin), end=format_clock(end))
    return ClipRange(begin, end)


def check_length(clip_range: ClipRange, max_seconds: float) -> None:
    """Refuse a section longer than the configured cap (the whole video is checked later)."""
    length = clip_range.length
    if length is not None and length > max_seconds:
        raise RangeError(
            "range.too_long", length=format_clock(length), limit=format_clock(max_seconds)
        )
