"""Promising and withdrawing timers, inside the caller's own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.domain.timers import Firing
from bot.store.transaction import Tx

TimerHandler = Callable[[Tx, Firing], Awaitable[None]]
"""Runs a fired timer's effect in the transaction that marks it fired. Raising rolls both
back; the timer is then tried again later."""


async def schedule(
    tx: Tx, kind: str, subject: str, due_at: float, payload: Mapping[str, Any] | None = None
) -> int:
    """Promise to run the handler of `kind` at `due_at` (epoch seconds); returns the timer id.

    The row commits with the caller's transaction; the scheduler arms it when
    woken after that commit (the dispatcher wakes it after every command).
    `payload` must be JSON-serialisable: it is what the handler gets back.
    """
    return await tx.timers.add(kind, subject, due_at, payload)


async def cancel(
    tx: Tx, *, timer_id: int | None = None, subject: str | None = None, kind: str | None = None
) -> int:
    """Withdraw one timer, or every pending timer of `subject` (of `kind` only, if given).

    Returns how many were pending. A cancelled timer never fires, even if its
    APScheduler job is still armed: firing re-checks the row.
    """
    return await tx.timers.cancel(timer_id=timer_id, subject=subject, kind=kind)
