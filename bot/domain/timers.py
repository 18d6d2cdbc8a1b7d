"""A timer: a promise to act at a given time, kept as a row so that it survives a restart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TimerState(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"
    FAILED = "failed"
    """Its handler kept failing (or no handler knows its kind): given up, kept for `status`."""


@dataclass(frozen=True, slots=True)
class Timer:
    id: int
    kind: str
    """Which registered handler fires it (`task.escalate`, `push.send`…)."""
    subject: str
    """What it is about (`task:5`): cancelled together, listed together."""
    due_at: float
    payload: Mapping[str, Any] = field(default_factory=dict)
    state: TimerState = TimerState.PENDING
    attempts: int = 0
    created_at: float = 0.0
    fired_at: float | None = None


@dataclass(frozen=True, slots=True)
class Firing:
    """A timer being fired now: what a handler receives, with how late it is."""

    timer: Timer
    now: float

    @property
    def late_by(self) -> float:
        """Seconds between the due time and now: large when the bot was down at the due time."""
        return max(0.0, self.now - self.timer.due_at)
