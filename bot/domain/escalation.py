"""Escalation: what happens, and when, to a task nobody takes.

A network sets a list of steps (`after` = "5m" counted from the moment the
task opened, `then` = what to do) and may set other steps per scope; the
last step may repeat, at most five times, spaced like the last two steps. A
plan is computed from the rules alone, so the timer for step N+1 is written
when step N fires, and a test can walk a plan with a clock of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.tags import TagAliases

MAX_REPEAT = 5


class StepAction(StrEnum):
    REMIND_ROOMS = "remind rooms"
    """A second call in the rooms that got the alert (or that the task's scope reaches)."""
    DM_COORDINATORS = "dm coordinators"
    """A private reminder to the coordinators of the task's scope."""
    DM_SUBSCRIBERS = "dm subscribers of the scope"
    """A private reminder to every member subscribed to the task's scope."""


@dataclass(frozen=True, slots=True)
class Step:
    after: float
    then: StepAction


@dataclass(frozen=True, slots=True)
class Escalation:
    """The `[escalation]` rules of the configuration."""

    steps: tuple[Step, ...] = ()
    scopes: tuple[tuple[str, tuple[Step, ...]], ...] = ()
    """(scope tag, its own steps), in the order of the configuration."""
    repeat: int = 0
    """How many times the last step comes again (at most MAX_REPEAT)."""
    release_after: float = 600.0
    """A claimer asked "still on it?" who does not answer within this loses the task."""
    ask_again_after: float = 900.0
    """A claimer who answered "yes" is asked again after this."""

    def steps_for(self, scope: Iterable[str], aliases: TagAliases) -> tuple[Step, ...]:
        """The steps of the first tag of the task's scope that has its own, else the network's."""
        own = {aliases.canonical(tag): steps for tag, steps in self.scopes}
        for tag in scope:
            found = own.get(aliases.canonical(tag))
            if found is not None:
                return found
        return self.steps


@dataclass(frozen=True, slots=True)
class PlannedStep:
    index: int
    """Position in the plan: the timer of the next step carries index + 1."""
    offset: float
    """Seconds after the task opened."""
    action: StepAction
    repetition: int = 0
    """0: the step as configured; 1 and up: the last step again."""


def plan_steps(steps: Iterable[Step], repeat: int) -> tuple[PlannedStep, ...]:
    """Every step in time order, the last one repeated `repeat` times (capped at MAX_REPEAT).

    Repetitions are spaced by the gap between the last two steps, or by the
    only step's own delay: steps at 5 and 15 minutes repeated twice give 25 and 35.
    """
    ordered = sorted(steps, key=lambda step: step.after)
    plan = [PlannedStep(i, step.after, step.then) for i, step in enumerate(ordered)]
    if not plan:
        return ()
    last = ordered[-1]
    gap = last.after - ordered[-2].after if len(ordered) > 1 else last.after
    gap = max(gap, 1.0)
    for n in range(1, min(max(repeat, 0), MAX_REPEAT) + 1):
        plan.append(PlannedStep(len(plan), last.after + gap * n, last.then, repetition=n))
    return tuple(plan)


def step_due(opened_at: float, plan: tuple[PlannedStep, ...], index: int) -> float | None:
    """When step `index` of the plan is due, or None when the plan has no such step."""
    if not 0 <= index < len(plan):
        return None
    return opened_at + plan[index].offset


def latest_due(opened_at: float, plan: tuple[PlannedStep, ...], index: int, now: float) -> int:
    """The step to act on when step `index` fires at `now`: the last one already due.

    A bot down for an hour finds several steps overdue; sending them all at once
    would be a burst of stale reminders, so the earlier ones are passed over.
    """
    while (due := step_due(opened_at, plan, index + 1)) is not None and due <= now:
        index += 1
    return index


def steps_due(
    opened_at: float, plan: tuple[PlannedStep, ...], after_index: int, now: float
) -> tuple[PlannedStep, ...]:
    """The steps after `after_index` that are due by `now`, in order."""
    return tuple(step for step in plan[after_index + 1 :] if opened_at + step.offset <= now)
