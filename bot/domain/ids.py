"""Short ids (`A17`, `T5`, `K9`, `M3`): typed on phones, so `a17` and `A-17` must work too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    ALERT = "A"
    TASK = "T"
    CLIP = "K"
    CONTENT = "C"
    PUSH = "P"
    MEMBER = "M"


_SHORT_ID = re.compile(r"^\s*#?([A-Za-z])[-_ ]?(\d{1,12})\s*$")


@dataclass(frozen=True, slots=True)
class ShortId:
    kind: Kind
    number: int

    def __str__(self) -> str:
        return f"{self.kind.value}{self.number}"


def parse_short_id(text: str, expected: Kind | None = None) -> ShortId | None:
    """The id written in `text`, or None when it is not one (or not of the expected kind)."""
    match = _SHORT_ID.match(text)
    if match is None:
        return None
    letter, digits = match.groups()
    try:
        kind = Kind(letter.upper())
    except ValueError:
        return None
    if expected is not None and kind is not expected:
        return None
    number = int(digits)
    if number <= 0:
        return None
    return ShortId(kind, number)


def format_id(kind: Kind, number: int) -> str:
    return f"{kind.value}{number}"


_EXAMPLES = {
    Kind.ALERT: 17,
    Kind.TASK: 5,
    Kind.CLIP: 9,
    Kind.CONTENT: 4,
    Kind.PUSH: 3,
    Kind.MEMBER: 7,
}


def example_id(kind: Kind) -> str:
    """The id the help texts show for this kind (`A17`, `C4`): error messages use the same."""
    return format_id(kind, _EXAMPLES[kind])
