"""From a chat line to a command name and its argument tokens.

Accepts `/cmd args`, `!cmd args` and Telegram's `/cmd@BotName args`. Only double
quotes (and « », “ ”) group words: French text is full of apostrophes
(`n'importe quoi`), so a single quote is always just a character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_INPUT_LENGTH = 10_000
_COMMAND = re.compile(r"^\s*([/!])([A-Za-z][A-Za-z0-9_]{0,31})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")
_QUOTES = {'"': '"', "«": "»", "“": "”"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


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
    """Drop control and bidi-override characters; keep newlines and tabs.

    Bidi overrides let a message display differently from what it says; no
    command needs them.
    """
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


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
