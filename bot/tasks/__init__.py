"""Tasks beyond one command: what follows each change, the alert card with its tasks,
and the timers that chase unclaimed and overdue work."""

from bot.tasks.changes import Actor, alert_cancelled, clip_archived, member_removed
from bot.tasks.escalation import TaskTimers
from bot.tasks.setup import TaskSetup

__all__ = [
    "Actor",
    "TaskSetup",
    "TaskTimers",
    "alert_cancelled",
    "clip_archived",
    "member_removed",
]
