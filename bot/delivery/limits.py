"""Pacing under a platform's published limits, so it never has reason to say 429.

Trade-offs. Each limit is a sliding window ("at most N sends in any P
seconds"), the shape platforms document. A send holds its slot from the moment
it starts, and the slot's time is taken when the platform's answer arrives:
the platform received it no later than that, so N+1 sends can never land
inside one window on the platform's side, whatever the network jitter. The
price is one round trip per window, well under 1 % at Telegram's 30/s.

Rate-limit answers pause a chat or the whole platform for the delay asked, and
lower our own global rate for a while (a platform that says 429 knows
something we do not). This class handles only rate-limit signals; other
errors are the worker's business. State is in memory: after a restart the
first window may be a little fuller than ideal, which platforms tolerate.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from bot.transports.base import PlatformLimits

SLOWDOWN_FACTOR = 0.8
SLOWDOWN_SECONDS = 60.0


class SlidingWindow:
    """At most `limit` sends in any `period` seconds, counting sends still in flight."""

    __slots__ = ("_done", "_in_flight", "limit", "period")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = max(1, limit)
        self.period = period
        self._done: deque[float] = deque()
        self._in_flight = 0

    def next_free(self, now: float) -> float:
        done = self._done
        while done and done[0] <= now - self.period:
            done.popleft()
        if len(done) + self._in_flight < self.limit:
            return now
        if self._in_flight >= self.limit or not done:
            return math.inf  # wait for an answer
        return done[len(done) + self._in_flight - self.limit] + self.period

    def holds_at_most(self, count: int, now: float) -> float:
        """When this window will hold at most `count` sends (sends still in flight count
        until a period after they are answered: not known yet, so a whole period)."""
        done = self._done
        while done and done[0] <= now - self.period:
            done.popleft()
        if self._in_flight > count:
            return now + self.period
        extra = len(done) + self._in_flight - count
        if extra <= 0:
            return now
        return done[extra - 1] + self.period

    def acquire(self) -> None:
        self._in_flight += 1

    def release(self, answered_at: float, counted: bool = True) -> None:
        self._in_flight -= 1
        if counted:
            self._done.append(answered_at)

    @property
    def idle(self) -> bool:
        return self._in_flight == 0 and not self._done


class Pacer:
    def __init__(self, limits: PlatformLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._global = self._make_global(limits.global_rate)
        self._chats: dict[str, SlidingWindow] = {}
        self._groups: dict[str, SlidingWindow] = {}
        self._paused_until = 0.0
        self._chat_paused: dict[str, float] = {}
        self._slow_until = 0.0
        self._share: int | None = None
        """Sends per window this process may make when several share the platform's rate."""
        self._recent_429: list[tuple[float, str]] = []
        # No limit at all (console, tests): skip the bookkeeping on the hot path.
        self.unlimited = not (
            limits.global_rate or limits.per_chat_rate or limits.per_group_per_minute
        )

    @staticmethod
    def _make_global(rate: float | None) -> SlidingWindow | None:
        if not rate:
            return None
        # A one-second window for rates >= 1/s; a longer one for slower platforms.
        if rate >= 1:
            return SlidingWindow(math.floor(rate), 1.0)
        return SlidingWindow(1, 1.0 / rate)

    @property
    def paused_until_monotonic(self) -> float:
        return self._paused_until

    def _chat_window(self, chat: str) -> SlidingWindow | None:
        rate = self._limits.per_chat_rate
        if not rate:
            return None
        window = self._chats.get(chat)
        if window is None:
            window = self._chats[chat] = (
                SlidingWindow(math.floor(rate), 1.0) if rate >= 1 else SlidingWindow(1, 1 / rate)
            )
        return window

    def _group_window(self, chat: str, is_group: bool) -> SlidingWindow | None:
        per_minute = self._limits.per_group_per_minute
        if not per_minute or not is_group:
            return None
        window = self._groups.get(chat)
        if window is None:
            window = self._groups[chat] = SlidingWindow(per_minute, 60.0)
        return window

    def global_ready_at(self, now: float) -> float:
        if self.unlimited and self._paused_until <= now:
            return now
        ready = max(now, self._paused_until)
        if self._global is not None:
            ready = max(ready, self._global.next_free(now))
        return ready

    def chat_ready_at(self, chat: str, is_group: bool, now: float) -> float:
        if self.unlimited and not self._chat_paused:
            return now
        ready = max(now, self._chat_paused.get(chat, 0.0))
        for window in (self._chat_window(chat), self._group_window(chat, is_group)):
            if window is not None:
                ready = max(ready, window.next_free(now))
        return ready

    def limits_chat(self) -> bool:
        """True when a chat's own limit makes queued messages for it wait (so merge them)."""
        return bool(self._limits.per_chat_rate or self._limits.per_group_per_minute)

    def acquire(self, chat: str, is_group: bool) -> None:
        if self.unlimited:
            return
        for window in self._windows(chat, is_group):
            window.acquire()

    def release(self, chat: str, is_group: bool, *, counted: bool = True) -> None:
        if self.unlimited:
            return
        now = self._clock()
        for window in self._windows(chat, is_group):
            window.release(now, counted)
        if len(self._chats) > 20_000:
            self._chats = {k: w for k, w in self._chats.items() if not w.idle}

    def _windows(self, chat: str, is_group: bool) -> list[SlidingWindow]:
        found = [self._global, self._chat_window(chat), self._group_window(chat, is_group)]
        return [w for w in found if w is not None]

    def rate_limited(self, retry_after: float, chat: str | None) -> None:
        """Pause what the platform asked to pause.

        Platforms do not always say whether a 429 is about one chat or about
        the whole bot (Telegram does not). Two different chats limited within
        a second means the bot as a whole is over: pause everything.
        """
        now = self._clock()
        if chat is not None:
            recent = [(at, c) for at, c in self._recent_429 if at > now - 1.0 and c != chat]
            self._recent_429 = [*recent, (now, chat)]
            if recent:
                chat = None
        if chat is None:
            self._paused_until = max(self._paused_until, now + retry_after)
        else:
            self._chat_paused[chat] = max(self._chat_paused.get(chat, 0.0), now + retry_after)
        self._slow_down(now)

    def _slow_down(self, now: float) -> None:
        rate = self._limits.global_rate
        if rate and rate >= 1 and self._global is not None:
            self._slow_until = now + SLOWDOWN_SECONDS
            self._apply_limit()

    def tick(self) -> None:
        """Restore the normal rate once the slowdown has lasted long enough."""
        rate = self._limits.global_rate
        if self._slow_until and self._clock() >= self._slow_until and self._global and rate:
            self._slow_until = 0.0
            self._apply_limit()

    @property
    def shareable(self) -> bool:
        """A rate of at least one send a second: its one-second window can be shared."""
        rate = self._limits.global_rate
        return bool(rate and rate >= 1 and self._global is not None)

    @property
    def full_rate(self) -> int:
        rate = self._limits.global_rate
        return math.floor(rate) if rate else 0

    def global_holds_at_most(self, count: int) -> float:
        """When (monotonic) this process's sends in the overall window fall to `count`."""
        now = self._clock()
        return now if self._global is None else self._global.holds_at_most(count, now)

    def share(self, sends_per_window: int | None) -> None:
        """Pace under this part of the platform's rate (other processes use the rest);
        None: the whole rate. 0 stops sending until a share comes."""
        self._share = sends_per_window
        self._apply_limit()

    def _apply_limit(self) -> None:
        rate = self._limits.global_rate
        if not rate or rate < 1 or self._global is None:
            return
        limit = math.floor(rate * SLOWDOWN_FACTOR) if self._slow_until else math.floor(rate)
        if self._share is not None:
            limit = min(limit, self._share)
        # A zero limit is a closed window: next_free() answers "not before an answer".
        self._global.limit = max(0, limit) if self._share is not None else max(1, limit)
