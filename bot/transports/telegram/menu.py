"""The command menu Telegram shows when a user types `/`, built from the registry.

Registered with setMyCommands in French and in English (`language_code`), plus
a default in the network's language for clients in other languages. Commands
for coordinators and admins are advertised only to group administrators (the
`all_chat_administrators` scope), the closest Telegram scope to our roles;
everyone else sees the member commands.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot.commands.registry import Registry
from bot.domain.roles import Role

log = logging.getLogger(__name__)

LANGS = ("fr", "en")
_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_DESCRIPTION = 256


@dataclass(frozen=True, slots=True)
class MenuCommand:
    name: str
    description_fr: str
    description_en: str
    privileged: bool
    """For coordinators and admins only."""

    def description(self, lang: str) -> str:
        text = self.description_en if lang == "en" else self.description_fr
        return text[:MAX_DESCRIPTION]


def menu_from_registry(registry: Registry) -> tuple[MenuCommand, ...]:
    return tuple(
        MenuCommand(
            spec.name,
            spec.summary.fr,
            spec.summary.en,
            privileged=spec.role > Role.MEMBER,
        )
        for spec in registry.commands()
        if _NAME.match(spec.name)
    )


def _commands(menu: Sequence[MenuCommand], lang: str, privileged: bool) -> list[BotCommand]:
    return [
        BotCommand(entry.name, entry.description(lang))
        for entry in menu
        if privileged or not entry.privileged
    ]


async def register_menu(bot: Bot, menu: Sequence[MenuCommand], default_lang: str) -> None:
    """Best effort: a failure is logged, never fatal (the commands work without a menu)."""
    scopes: tuple[tuple[BotCommandScope, bool], ...] = (
        (BotCommandScopeDefault(), False),
        (BotCommandScopeAllChatAdministrators(), True),
    )
    try:
        for scope, privileged in scopes:
            for lang in (None, *LANGS):
                await bot.set_my_commands(
                    _commands(menu, lang or default_lang, privileged),
                    scope=scope,
                    language_code=lang,
                )
    except TelegramError as error:
        log.warning("telegram: could not register the command menu: %s", error)
