"""From a chat line to a command name and its argument tokens.

Accepts `/cmd args`, `!cmd args` and Telegram's `/cmd@BotName args`. Only double
quotes (and « », “ ”) group words: French text is full of apostrophes
(`n'importe quoi`), so a single quote is always just a character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_INPUT_LENGTH = 10_000
_COMMAND = re.compile(r"^\s*([/!])([A-Za-z][A-Za-z0-9_]{0,31})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")
_QUOTES = {'"': '"', "«": "»", "“": "”"}
# C0 controls but tab and newline, DEL, C1 controls (U+0085 "next line" among them), zero-width
# and bidi-override characters, and the line and paragraph separators U+2028/U+2029: with \x0b,
# \x0c, \x1c-\x1e and U+0085, everything str.splitlines() splits on except the newline.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAME_BREAKS = re.compile(r"\s+")
MAX_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str
    rest: str
    prefix: str
    addressee: str | None = None

    def tokens(self) -> list[Token]:
        return tokenize(self.rest)


def clean_text(text: str) -> str:
    """Drop control, bidi-override and line-separator characters; keep newlines and tabs.

    Bidi overrides let a message display differently from what it says, and a
    separator other than the newline (U+2028, U+0085…) would start a line where
    the bot's output shows none, forging a line of its own; no command needs them.
    Composed (NFC): `François` typed with a combining cedilla is the `François` stored.
    """
    return unicodedata.normalize(
        "NFC", _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    )


def clean_name(text: str | None, fallback: str = "?") -> str:
    """A name a platform gave us (display name, chat title) as one short, plain line.

    Names are shown inside the bot's own lines (`alice s'en occupe`), so a name
    must never carry a line break that would start a line of its own.
    """
    if text is None:
        return fallback
    cleaned = _NAME_BREAKS.sub(" ", _CONTROL.sub("", text.replace("\n", " "))).strip()
    cleaned = unicodedata.normalize("NFC", cleaned)
    return cleaned[:MAX_NAME_LENGTH] or fallback


def parse_command(text: str) -> ParsedCommand | None:
    """The command in `text`, or None if the text is not a command."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    prefix, name, addressee = match.groups()
    rest = text[match.end() :].strip()
    return ParsedCommand(name=name.casefold(), rest=rest, prefix=prefix, addressee=addressee)


def tokenize(text: str) -> list[Token]:
    """Split on whitespace, keeping quoted runs together; an unclosed quote runs to the end."""
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        closing = _QUOTES.get(text[i])
        if closing is not None:
            end = text.find(closing, i + 1)
            if end == -1:
                tokens.append(Token(text[i + 1 :].strip(), start, n))
                break
            tokens.append(Token(text[i + 1 : end].strip(), start, end + 1))
            i = end + 1
            continue
        while i < n and not text[i].isspace():
            i += 1
        tokens.append(Token(text[start:i], start, i))
    return tokens
