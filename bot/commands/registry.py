"""Commands are declared where they are handled; registration is explicit.

Each `handlers/<family>.py` builds a `Router` and decorates its functions; the
composition root passes the routers, by name, to `Registry`. The decorator
only records metadata: no import-time discovery, no metaclass.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.commands.arguments import Arg
from bot.domain.roles import Role

Handler = Callable[..., Awaitable[None]]


class Where(StrEnum):
    ANYWHERE = "anywhere"
    ROOM = "room"
    """Only in a group chat: the command acts on the room it is typed in."""


@dataclass(frozen=True, slots=True)
class Localized:
    fr: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    handler: Handler
    summary: Localized
    usage: Localized
    args: tuple[Arg, ...] = ()
    role: Role = Role.MEMBER
    aliases: tuple[str, ...] = ()
    where: Where = Where.ANYWHERE
    details: Localized | None = None
    family: str = ""


@dataclass
class Router:
    family: str
    commands: list[CommandSpec] = field(default_factory=list)

    def command(
        self,
        name: str,
        *,
        summary: tuple[str, str],
        usage: tuple[str, str] | str,
        args: Iterable[Arg] = (),
        role: Role = Role.MEMBER,
        aliases: Iterable[str] = (),
        where: Where = Where.ANYWHERE,
        details: tuple[str, str] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare a command. Texts are given as (fr, en)."""

        def decorate(handler: Handler) -> Handler:
            usage_pair = (usage, usage) if isinstance(usage, str) else usage
            self.commands.append(
                CommandSpec(
                    name=name,
                    handler=handler,
                    summary=Localized(*summary),
                    usage=Localized(*usage_pair),
                    args=tuple(args),
                    role=role,
                    aliases=tuple(aliases),
                    where=where,
                    details=Localized(*details) if details else None,
                    family=self.family,
                )
            )
            return handler

        return decorate


class Registry:
    def __init__(self, routers: Iterable[Router]) -> None:
        self._by_name: dict[str, CommandSpec] = {}
        self._ordered: list[CommandSpec] = []
        for router in routers:
            for spec in router.commands:
                for key in (spec.name, *spec.aliases):
                    key = key.casefold()
                    if key in self._by_name:
                        raise ValueError(f"command name {key!r} registered twice")
                    self._by_name[key] = spec
                self._ordered.append(spec)

    def lookup(self, name: str) -> CommandSpec | None:
        return self._by_name.get(name.casefold())

    def suggest(self, name: str) -> str | None:
        """The command a typo most likely meant, if one is close enough."""
        close = difflib.get_close_matches(name.casefold(), list(self._by_name), n=1, cutoff=0.75)
        return self._by_name[close[0]].name if close else None

    def commands(self) -> list[CommandSpec]:
        return list(self._ordered)

    def visible_to(self, role: Role) -> list[CommandSpec]:
        return [spec for spec in self._ordered if spec.role <= role]
