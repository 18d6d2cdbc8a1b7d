"""The timers a task promises: its escalation steps, its due time, the claimer's
"still on it?" and the release that follows silence. All filed under `task:<id>`."""

from __future__ import annotations

from bot.domain.alerts import alert_subject
from bot.domain.escalation import plan_steps, step_due
from bot.domain.tasks import Task
from bot.scheduler import cancel, schedule
from bot.store.transaction import Tx
from bot.tasks.setup import TaskSetup

ESCALATE = "task.escalate"
"""Step N of the escalation of an open task; payload: step index, when the task opened."""
DUE = "task.due"
"""The due time: an open task expires, a claimed one asks its claimer."""
ASK = "task.ask"
"""Ask the claimer again, after they said they are still on it."""
RELEASE = "task.release"
"""No answer to "still on it?": back to open; payload: the claim it was asked about."""
REFRESH = "alert.refresh"
"""Edit an alert's room copies to show its tasks' states (filed under `alert:<id>`)."""

KINDS = (ESCALATE, DUE, ASK, RELEASE, REFRESH)
REFRESH_DELAY = 1.0
"""Task changes within this show up in one edit of each copy. Out of the command's own
transaction, the edit of a thousand copies never delays the answer to a claim."""


async def plan_escalation(tx: Tx, setup: TaskSetup, task: Task, index: int = 0) -> float | None:
    """Promise step `index` of the task's escalation (counted from when it opened)."""
    steps = setup.escalation.steps_for(task.scope, await tx.tags.aliases())
    plan = plan_steps(steps, setup.escalation.repeat)
    due = step_due(task.opened_at, plan, index)
    if due is not None:
        await schedule(tx, ESCALATE, task.subject, due, {"step": index, "opened": task.opened_at})
    return due


async def plan_due(tx: Tx, task: Task) -> None:
    if task.due_at is not None:
        await schedule(tx, DUE, task.subject, task.due_at)


async def plan_ask_again(tx: Tx, setup: TaskSetup, task: Task, now: float) -> None:
    await schedule(tx, ASK, task.subject, now + setup.escalation.ask_again_after)


async def plan_release(
    tx: Tx, setup: TaskSetup, task: Task, now: float, claimer: int, claimed_at: float
) -> None:
    await schedule(
        tx,
        RELEASE,
        task.subject,
        now + setup.escalation.release_after,
        {"claimer": claimer, "claimed_at": claimed_at},
    )


async def stop_escalation(tx: Tx, task: Task) -> None:
    await cancel(tx, subject=task.subject, kind=ESCALATE)


async def stop_claimer_checks(tx: Tx, task: Task) -> None:
    """The claimer answered, or the claim changed: no pending ask or release for it."""
    await cancel(tx, subject=task.subject, kind=ASK)
    await cancel(tx, subject=task.subject, kind=RELEASE)


async def stop_all(tx: Tx, task: Task) -> None:
    await cancel(tx, subject=task.subject)


async def plan_refresh(tx: Tx, alert_id: int | None, now: float) -> None:
    """Have the alert's copies edited soon (once for a burst of changes)."""
    if alert_id is None:
        return
    subject = alert_subject(alert_id)
    if not await tx.timers.pending_for(subject, REFRESH):
        await schedule(tx, REFRESH, subject, now + REFRESH_DELAY)
