"""Durable timers: act later, once, even across a crash.

Anything the bot promises to do at a given time (an escalation step, a task's
due time, a scheduled push, the digest at the end of someone's quiet hours)
is a row of the `timers` table, written in the same transaction as the
promise, before the bot answers. The rows are the truth; APScheduler 3.x
(`AsyncIOScheduler`) only keeps the time.

Using it takes three things:

1. **A handler per kind**, registered at start in the composition root::

       async def send_push(tx: Tx, firing: Firing) -> None:
           push_id = firing.timer.payload["push"]
           if firing.late_by > 300:  # the bot was down at the due time
               ...                   # ask instead of posting late without a word
           ...                       # write outbox rows with `tx`

       timers.register("push.send", send_push)

   The handler runs inside the transaction that marks the timer fired, so
   its effect and the mark commit together: after `kill -9` either both
   happened or neither did. Raising rolls both back and the timer is tried
   again later (5 s, 10 s, 20 s…, given up after 5 attempts, logged).

2. **`schedule(tx, kind, subject, due_at, payload)`** in the caller's
   transaction (a handler's `ctx.tx`, or a timer handler's own `tx`).
   `subject` groups timers (`"task:5"`, `"push:3"`) so that they can be
   cancelled together; `payload` is JSON given back to the handler.

3. **`cancel(tx, subject=..., kind=...)`** or `cancel(tx, timer_id=...)`,
   also in the caller's transaction. A cancelled timer never fires.

Guarantees: a timer fires once and never twice (firing re-checks and marks
the row in one statement), never after its cancel, and late rather than
never when the bot was down: `firing.late_by` says by how much. At start,
every pending row due within the next hour is armed (late ones fire at
once); later ones are armed as their hour comes. After each commit the
dispatcher calls `TimerService.wake()` so new rows are armed at once.

Tests do not wait: give `TimerService` a clock (`clock=fake.now`) and call
`await service.fire_due()` after moving it.
"""

from bot.domain.timers import Firing, Timer, TimerState
from bot.scheduler.service import TimerService
from bot.scheduler.timers import TimerHandler, cancel, schedule

__all__ = [
    "Firing",
    "Timer",
    "TimerHandler",
    "TimerService",
    "TimerState",
    "cancel",
    "schedule",
]
