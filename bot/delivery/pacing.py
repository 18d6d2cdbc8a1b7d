"""Pacing under a platform's published limits.

Trade-offs: this is a simple in-process pacer, a minimum interval overall and
per chat, kept in memory. It only slows sends down; it never drops one (the
outbox keeps every row), and it reacts to rate-limit answers by pausing the
chat or the whole platform for the delay the platform asked. It does not
handle other errors: those are the engine's business.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.transports.base import PlatformLimits


class Pacer:
    def __init__(self, limits: PlatformLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self._global_interval = 1.0 / limits.global_rate if limits.global_rate else 0.0
        self._chat_interval = 1.0 / limits.per_chat_rate if limits.per_chat_rate else 0.0
        self._clock = clock
        self._next_global = 0.0
        self._next_chat: dict[str, float] = {}
        self._paused_until = 0.0

    def delay_for(self, chat: str) -> float:
        """Seconds to wait before sending into `chat`; 0 when it may go now."""
        now = self._clock()
        ready = max(self._next_global, self._next_chat.get(chat, 0.0), self._paused_until)
        return max(0.0, ready - now)

    def record_send(self, chat: str) -> None:
        now = self._clock()
        self._next_global = max(self._next_global, now) + self._global_interval
        if self._chat_interval:
            self._next_chat[chat] = max(self._next_chat.get(chat, 0.0), now) + self._chat_interval
            if len(self._next_chat) > 10_000:
                self._next_chat = {k: v for k, v in self._next_chat.items() if v > now}

    def pause(self, seconds: float, chat: str | None = None) -> None:
        until = self._clock() + seconds
        if chat is None:
            self._paused_until = max(self._paused_until, until)
        else:
            self._next_chat[chat] = max(self._next_chat.get(chat, 0.0), until)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())
