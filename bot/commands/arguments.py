"""Argument kinds a command declares; binding turns tokens into typed values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.commands.errors import UsageError
from bot.commands.parser import Token
from bot.domain.ids import Kind, example_id, parse_short_id
from bot.domain.messages import Phrase
from bot.domain.tags import InvalidTag, normalize_tag

MAX_TAGS = 20


@dataclass(frozen=True, slots=True)
class Arg:
    """Base: consumes tokens from position `i`, returns (value, next position)."""

    name: str
    optional: bool = False

    def consume(self, tokens: list[Token], i: int, raw: str) -> tuple[Any, int]:
        raise NotImplementedError


def _missing(arg: Arg) -> UsageError:
    return UsageError("args.missing")


@dataclass(frozen=True, slots=True)
class Id(Arg):
    """A short id of one kind (`A17`): its number."""

    kind: Kind = Kind.ALERT

    def consume(self, tokens: list[Token], i: int, raw: str) -> tuple[Any, int]:
        if i >= len(tokens):
            if self.optional:
                return None, i
            raise _missing(self)
        typed = tokens[i].text
        used = 1
        if len(typed) == 1 and i + 1 < len(tokens) and tokens[i + 1].text.isdecimal():
            # `P 5`: the id split in two words by a phone keyboard.
            typed = f"{typed} {tokens[i + 1].text}"
            used = 2
        parsed = parse_short_id(typed)
        if parsed is not None and parsed.kind is self.kind:
            return parsed.number, i + used
        if self.optional:
            return None, i
        example = example_id(self.kind)
        if parsed is not None:
            raise UsageError(
                "args.other_kind",
                value=str(parsed),
                other=Phrase(f"kind.{parsed.kind.value}"),
                kind=Phrase(f"kind.{self.kind.value}"),
                example=example,
            )
        raise UsageError(
            "args.wrong_id",
            value=typed[:40],
            kind=Phrase(f"kind_of.{self.kind.value}"),
            example=example,
        )


@dataclass(frozen=True, slots=True)
class Choice(Arg):
    """One word among fixed choices (in either language); binds the mapped value."""

    choices: Mapping[str, Any] = field(default_factory=dict)

    def consume(self, tokens: list[Token], i: int, raw: str) -> tuple[Any, int]:
        if i >= len(tokens):
            if self.optional:
                return None, i
            raise _missing(self)
        word = tokens[i].text.casefold()
        if word in self.choices:
            return self.choices[word], i + 1
        if self.optional:
            return None, i
        shown = ", ".join(sorted({k for k in self.choices}))
        raise UsageError("args.bad_choice", value=tokens[i].text[:40], choices=shown)


@dataclass(frozen=True, slots=True)
class Word(Arg):
    max_length: int = 100

    def consume(self, tokens: list[Token], i: int, raw: str) -> tuple[Any, int]:
        if i >= len(tokens):
            if self.optional:
                return None, i
            raise _missing(self)
        if len(tokens[i].text) > self.max_length:
            raise UsageError("args.too_long", name=self.name, limit=self.max_length)
        return tokens[i].text, i + 1


@dataclass(frozen=True, slots=True)
class Handle(Arg):
    """Someone: `@name`, a platform user id, or a member id `M5`."""

    def consume(self, tokens: list[Token], i: int, raw: str) -> tuple[Any, int]:
        if i >= len(tokens):
            if self.optional:
                return None, i
            raise _missing(self)
        value = tokens[i].text
        if len(value) > 100:
            raise UsageError("args.too_long", name=self.name, limit=100)
        return value, i + 1


@dataclass(frozen=True, slots=True)
class Number(Arg):
    """A whole number within bounds. Optional: left out when the next word is not a number."""

    minimum: int = 1
    maximum: int = 1000

    def consume(self, tokens: list[Token], i: int, raw: str) -> tuple[Any, int]:
        if i >= len(tokens):
            if self.optional:
                return None, i
            raise _missing(self)
        word = tokens[i].text
        if not word.isdecimal() and self.optional and not word[:1].isdecimal():
            return None, i
        value = int(word) if word.isdecimal() and len(word) <= 9 else None
        if value is None or not self.minimum <= value <= self.maximum:
            raise UsageError(
                "args.bad_number", value=word[:40], minimum=self.minimum, maximum=self.maximum
            )
        return value, i + 1


@dataclass(frozen=True, slots=True)
class Tags(Arg):
    """All remaining words, as normalised tags (`#Dept:075` -> `dept:075`)."""

    minimum: int = 0

    def consume(self, tokens: list[Token], i: int, raw: str) -> tuple[Any, int]:
        found: list[str] = []
        for token in tokens[i:]:
            try:
                tag = normalize_tag(token.text)
            except InvalidTag:
                raise UsageError("args.bad_tag", value=token.text[:64]) from None
            if tag not in found:
                found.append(tag)
        if len(found) < self.minimum:
            raise _missing(self)
        if len(found) > MAX_TAGS:
            raise UsageError("args.too_many_tags", limit=MAX_TAGS)
        return tuple(found), len(tokens)


@dataclass(frozen=True, slots=True)
class Rest(Arg):
    """Everything left, as typed (quotes and apostrophes kept)."""

    def consume(self, tokens: list[Token], i: int, raw: str) -> tuple[Any, int]:
        text = raw[tokens[i].start :].strip() if i < len(tokens) else ""
        if not text and not self.optional:
            raise _missing(self)
        return text or None, len(tokens)


def bind(args: tuple[Arg, ...], raw: str, tokens: list[Token]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    i = 0
    for arg in args:
        values[arg.name], i = arg.consume(tokens, i, raw)
    if i < len(tokens):
        raise UsageError("args.unexpected", value=tokens[i].text[:40])
    return values
