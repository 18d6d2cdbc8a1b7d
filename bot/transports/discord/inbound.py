"""Discord messages and interactions as platform-neutral `IncomingMessage`s.

A prefix command (`!alert …`), a slash command (`/alert arguments:…`) and a
button press all become the same text, `/name rest`, so they meet in one
dispatcher. Threads are rooms of their own: their id is the chat id.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.domain.messages import IncomingMessage

PLATFORM = "discord"
ARGUMENTS_OPTION = "arguments"


def chat_title(channel: Any) -> str | None:
    """`#general`, or `#general › thread` for a thread; None for a DM."""
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        prefix = f"#{parent.name} › " if parent is not None else ""
        return f"{prefix}{channel.name}"
    name = getattr(channel, "name", None)
    return f"#{name}" if isinstance(name, str) and name else None


def _display_name(user: discord.abc.User) -> str:
    return user.display_name or user.name


def from_message(message: discord.Message, *, prefix_commands: bool) -> IncomingMessage | None:
    """A channel or DM message, or None when it is not for us."""
    if message.author.bot or message.webhook_id is not None:
        return None
    is_private = message.guild is None
    text = message.content or ""
    if not text.strip():
        return None
    if not is_private and not prefix_commands:
        return None
    return IncomingMessage(
        platform=PLATFORM,
        chat_id=str(message.channel.id),
        user_id=str(message.author.id),
        display_name=_display_name(message.author),
        text=text,
        is_private=is_private,
        username=message.author.name,
        chat_title=None if is_private else chat_title(message.channel),
        message_id=str(message.id),
    )


def slash_text(data: Any) -> str | None:
    """`/name arguments` from an application command's data; None if it is not ours."""
    if not isinstance(data, dict):
        return None
    name = data.get("name")
    if not isinstance(name, str) or not name:
        return None
    rest = ""
    for option in data.get("options") or []:
        if isinstance(option, dict) and option.get("name") == ARGUMENTS_OPTION:
            rest = str(option.get("value") or "")
    return f"/{name} {rest}".rstrip()


def from_interaction(interaction: discord.Interaction[Any], text: str) -> IncomingMessage | None:
    if interaction.channel_id is None:
        return None
    is_private = interaction.guild_id is None
    return IncomingMessage(
        platform=PLATFORM,
        chat_id=str(interaction.channel_id),
        user_id=str(interaction.user.id),
        display_name=_display_name(interaction.user),
        text=text,
        is_private=is_private,
        username=interaction.user.name,
        chat_title=None if is_private else chat_title(interaction.channel),
        message_id=None,
    )
