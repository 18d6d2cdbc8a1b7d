"""Application (slash) commands generated from the command registry.

One command per registry entry, described in English with a French
localisation; commands that take arguments get one optional string option,
`arguments`, carrying the rest of the line exactly as it would be typed after
`!name`, so parsing and usage errors stay in the platform-neutral dispatcher.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.commands.registry import CommandSpec
from bot.transports.discord.inbound import ARGUMENTS_OPTION

MAX_DESCRIPTION = 100
MAX_COMMANDS = 100
_VALID_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
CHAT_INPUT = 1
STRING_OPTION = 3


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def command_payload(spec: CommandSpec) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": spec.name,
        "type": CHAT_INPUT,
        "description": _short(spec.summary.en),
        "description_localizations": {"fr": _short(spec.summary.fr)},
        "dm_permission": True,
    }
    if spec.args:
        payload["options"] = [
            {
                "type": STRING_OPTION,
                "name": ARGUMENTS_OPTION,
                "description": _short(spec.usage.en),
                "description_localizations": {"fr": _short(spec.usage.fr)},
                "required": False,
            }
        ]
    return payload


def build_commands(specs: Iterable[CommandSpec]) -> list[dict[str, Any]]:
    """Payloads for `PUT .../commands`; names Discord would refuse are left out."""
    payloads = [command_payload(spec) for spec in specs if _VALID_NAME.match(spec.name)]
    return payloads[:MAX_COMMANDS]
