"""Discord transport on discord.py 2.x: slash and `!` commands, buttons, no stray pings."""

from bot.transports.discord.adapter import (
    DISCORD_LIMITS,
    CommandButton,
    DiscordStartError,
    DiscordTransport,
    RoleLookup,
)
from bot.transports.discord.inbound import PLATFORM
from bot.transports.discord.render import allowed_mentions, render_chunks, split_text

__all__ = [
    "DISCORD_LIMITS",
    "PLATFORM",
    "CommandButton",
    "DiscordStartError",
    "DiscordTransport",
    "RoleLookup",
    "allowed_mentions",
    "render_chunks",
    "split_text",
]
