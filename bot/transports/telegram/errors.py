"""Telegram errors, mapped to the three kinds the delivery engine understands.

The mapping decides whether a room or member is marked unreachable, so only
errors that are about the chat itself are permanent: the bot was blocked or
kicked (`Forbidden`), the chat does not exist. A bad request that is about the
message (our bug, or a glitch) is retried like a transient error rather than
cutting a room off. A refused token mid-run is transient too: it is not the
chat's fault, and an operator will fix the token.

`telegram.error.BadRequest` subclasses `NetworkError`, so order matters here.
"""

from __future__ import annotations

import datetime as dt

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.transports.base import DeliveryError, PermanentError, RateLimited, TransientError

_CHAT_GONE = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "bot was kicked",
    "bot was blocked",
    "user is deactivated",
    "group chat was deactivated",
    "chat_write_forbidden",
    "not enough rights to send",
    "have no rights to send",
    "bot is not a member",
    "topic_closed",
    "topic_deleted",
    "message thread not found",
)
NOT_MODIFIED = "message is not modified"
EDIT_TARGET_GONE = ("message to edit not found", "message can't be edited")


def retry_after_seconds(error: RetryAfter) -> float:
    """The delay Telegram asked for, as seconds (an int, or a timedelta with PTB_TIMEDELTA)."""
    value = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def is_chat_gone(error: TelegramError) -> bool:
    text = error.message.casefold()
    return any(marker in text for marker in _CHAT_GONE)


def map_error(error: TelegramError) -> DeliveryError:
    if isinstance(error, RetryAfter):
        return RateLimited(retry_after_seconds(error))
    if isinstance(error, Forbidden):
        return PermanentError(f"Telegram: {error.message}")
    if isinstance(error, BadRequest):
        if is_chat_gone(error):
            return PermanentError(f"Telegram: {error.message}")
        return TransientError(f"Telegram refused the message: {error.message}")
    # TimedOut, NetworkError (a 502 is one), Conflict, InvalidToken, the rest.
    return TransientError(f"Telegram: {type(error).__name__}: {error.message}")
