"""discord.py exceptions mapped to the three kinds the delivery engine understands.

discord.py already sleeps through short 429s itself (up to
`max_ratelimit_timeout`); a longer one arrives as `discord.RateLimited`. 5xx
answers are retried inside the library before `DiscordServerError`. What is
left: the channel or user is gone or closed to us (permanent), or the network
or Discord is having a bad moment (transient).
"""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from bot.transports.base import DeliveryError, PermanentError, RateLimited, TransientError

CLOUDFLARE_BAN_DELAY = 60.0
"""A 429 without Discord's JSON body comes from Cloudflare: back off the whole platform."""


def _describe(error: discord.HTTPException) -> str:
    text = (error.text or "").strip()[:200]
    code = f" (code {error.code})" if error.code else ""
    return f"{error.status} {text}{code}".strip()


def map_error(error: BaseException) -> DeliveryError | None:
    """The delivery error for `error`, or None when it is not a platform failure at all."""
    if isinstance(error, discord.RateLimited):
        return RateLimited(error.retry_after)
    if isinstance(error, discord.Forbidden | discord.NotFound):
        # Channel deleted, bot kicked or lacking permission, DMs closed (50007).
        return PermanentError(_describe(error))
    if isinstance(error, discord.DiscordServerError):
        return TransientError(_describe(error))
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            retry_after = error.response.headers.get("Retry-After")
            try:
                delay = float(retry_after) if retry_after else CLOUDFLARE_BAN_DELAY
            except ValueError:
                delay = CLOUDFLARE_BAN_DELAY
            return RateLimited(delay, whole_platform=True)
        # 400 and friends: the request was wrong, not the room. Retrying is bounded by
        # the engine's attempt limit; marking the room unreachable would be wrong.
        return TransientError(_describe(error))
    if isinstance(
        error,
        discord.ConnectionClosed
        | discord.GatewayNotFound
        | aiohttp.ClientError
        | asyncio.TimeoutError
        | OSError,
    ):
        return TransientError(f"{type(error).__name__}: {error}")
    return None
