"""Line pacing for one IRC connection: a burst, then one line per interval.

Trade-offs: a token bucket in memory, per connection, counting *lines* (what
IRC servers' flood control counts), not messages: a message split into four
lines costs four tokens. It only delays; it never drops a line. The bucket is
refilled when a new connection starts, since the server's counters start over
too. The engine's own `Pacer` counts messages and cannot express a burst, so
the IRC limits leave its rates unset and this bucket does the job.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class LinePacer:
    def __init__(
        self, burst: int, interval: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._burst = max(1, burst)
        self._interval = max(0.0, interval)
        self._clock = clock
        self._tokens = float(self._burst)
        self._last = clock()
        self._lock = asyncio.Lock()

    def reset(self) -> None:
        """A fresh connection: the server forgot our past lines."""
        self._tokens = float(self._burst)
        self._last = self._clock()

    def _refill(self) -> None:
        now = self._clock()
        if self._interval > 0:
            self._tokens = min(self._burst, self._tokens + (now - self._last) / self._interval)
        else:
            self._tokens = float(self._burst)
        self._last = now

    async def acquire(self) -> None:
        """Wait until one more line may go out, and take it. Callers are served in order."""
        async with self._lock:
            self._refill()
            if self._tokens < 1.0:
                await asyncio.sleep((1.0 - self._tokens) * self._interval)
                self._refill()
            self._tokens -= 1.0
