"""The task timers' handlers: escalation steps, due times, "still on it?" and release.

Each runs in the transaction that marks its timer fired, and re-reads the
task first: a step of a task claimed since, or of a task reopened since (a
newer plan runs), does nothing. A step that fires late because the bot was
down says so in its message.
"""

from __future__ import annotations

import logging

from bot.domain.alerts import alert_subject
from bot.domain.durations import format_elapsed, format_local_time
from bot.domain.escalation import PlannedStep, StepAction, latest_due, plan_steps
from bot.domain.messages import OutgoingMessage, Target, TargetKind
from bot.domain.quiet import active_quiet_keys
from bot.domain.roles import Role
from bot.domain.scopes import is_network_wide, scope_matches
from bot.domain.tags import NATIONAL, TagAliases
from bot.domain.tasks import Task, TaskEventKind, TaskStatus, coordinators_for
from bot.domain.timers import Firing
from bot.i18n import LANGS, pick_lang, spans
from bot.scheduler import TimerService
from bot.store.fanout import Holding
from bot.store.outbox import Priority
from bot.store.transaction import Tx
from bot.tasks import cancellation, cards, changes, deadlines
from bot.tasks.setup import TaskSetup

log = logging.getLogger(__name__)

LATE_NOTICE = 5.0
"""A timer firing later than this says it is late: a running bot fires within a second,
so seconds of delay mean it was down (or stalled) at the time."""
GROUP_WINDOW = 300.0
"""A reminder to an alert's rooms (or subscribers) names all its free tasks; another
task's step of the same kind within this is not sent again."""


class TaskTimers:
    """Registered with the timer service at start, one handler per task timer kind."""

    def __init__(self, setup: TaskSetup) -> None:
        self._setup = setup

    def register(self, service: TimerService) -> None:
        service.register(deadlines.ESCALATE, self.escalate)
        service.register(deadlines.DUE, self.due)
        service.register(deadlines.ASK, self.ask)
        service.register(deadlines.RELEASE, self.release)
        service.register(deadlines.REFRESH, self.refresh)
        # The other edits of an alert's card: its copies corrected after a cancel.
        service.register(cancellation.KIND, cancellation.Corrections(self._setup).fire)

    async def refresh(self, tx: Tx, firing: Firing) -> None:
        """Edit the alert's room copies to show its tasks as they are now."""
        _, _, number = firing.timer.subject.partition(":")
        if number.isdigit():
            await changes.refresh_alert(tx, self._setup, int(number), firing.now)

    @staticmethod
    async def _task(tx: Tx, firing: Firing) -> Task | None:
        _, _, number = firing.timer.subject.partition(":")
        return await tx.tasks.get(int(number)) if number.isdigit() else None

    @staticmethod
    def _late(firing: Firing) -> str | None:
        return format_elapsed(firing.late_by) if firing.late_by > LATE_NOTICE else None

    # --- escalation --------------------------------------------------------------------

    async def escalate(self, tx: Tx, firing: Firing) -> None:
        task = await self._task(tx, firing)
        payload = firing.timer.payload
        if task is None or task.status is not TaskStatus.OPEN:
            return
        if payload.get("opened") != task.opened_at:
            return  # reopened since: the plan of the new opening runs instead
        aliases = await tx.tags.aliases()
        setup = self._setup
        plan = plan_steps(setup.escalation.steps_for(task.scope, aliases), setup.escalation.repeat)
        fired = int(payload.get("step", 0))
        if not 0 <= fired < len(plan):
            return
        index = latest_due(task.opened_at, plan, fired, firing.now)
        if index > fired:
            log.info("task %d: steps %d-%d overdue, passed over", task.id, fired, index - 1)
        step = plan[index]
        together = await self._together(tx, task, step.action, firing.now)
        if together is None:
            reached = "-"  # a sibling's broadcast named this task moments ago
        else:
            reached = str(await self._act(tx, task, together, step, firing, aliases))
        log.info(
            "task %d: escalation step %d (%s) reached %s", task.id, index, step.action, reached
        )
        await tx.tasks.add_event(
            task.id,
            TaskEventKind.ESCALATED,
            None,
            None,
            firing.now,
            f"{step.action.name.lower()}:{reached}",
        )
        await deadlines.plan_escalation(tx, setup, task, index + 1)

    async def _together(
        self, tx: Tx, task: Task, action: StepAction, now: float
    ) -> list[Task] | None:
        """The tasks one reminder names: for an alert's task, all its free tasks at once,
        so rooms and subscribers hear of an alert once per step, not once per task.
        None: such a reminder went out for this alert moments ago (it named this task)."""
        if task.alert_id is None or action is StepAction.DM_COORDINATORS:
            return [task]
        name = action.name.lower()
        for event in await tx.tasks.events_for_alert(task.alert_id):
            kind, _, reached = event.detail.partition(":")
            if (
                event.event is TaskEventKind.ESCALATED
                and event.task_id != task.id
                and kind == name
                and reached.isdigit()
                and event.at >= now - GROUP_WINDOW
            ):
                return None
        free = [t for t in await tx.tasks.for_alert(task.alert_id) if t.status is TaskStatus.OPEN]
        return free or [task]

    def _reminder(
        self, task: Task, together: list[Task], key: str, firing: Firing
    ) -> changes.Build:
        elapsed = format_elapsed(firing.now - task.opened_at)
        late = self._late(firing)
        if len(together) <= 1:
            text = f" — {task.text}" if task.text else ""
            base = changes.notice(task, key, buttons="claim", elapsed=elapsed, text=text)
        else:
            base = _about_several(together, f"{key}_many", elapsed)

        def build(lang: str) -> OutgoingMessage:
            message = base(lang)
            return OutgoingMessage(cards.with_late(message.spans, lang, late), message.buttons)

        return build

    async def _act(
        self,
        tx: Tx,
        task: Task,
        together: list[Task],
        step: PlannedStep,
        firing: Firing,
        aliases: TagAliases,
    ) -> int:
        if step.action is StepAction.REMIND_ROOMS:
            build = self._reminder(task, together, "task.remind_rooms", firing)
            targets = await self._rooms(tx, task, aliases)
            for target, lang in targets:
                await changes.send(tx, self._setup, target, build, lang=lang, subject=task.subject)
            return len(targets)
        if step.action is StepAction.DM_COORDINATORS:
            build = self._reminder(task, [task], "task.dm_coordinators", firing)
            members = await tx.members.privileged(Role.COORDINATOR)
            reached = 0
            for member in coordinators_for(members, task.scope, aliases):
                private = changes.dm_target(member, self._setup)
                if private is not None:
                    lang = pick_lang(member.lang, self._setup.default_lang)
                    await changes.send(
                        tx, self._setup, private, build, lang=lang, subject=task.subject
                    )
                    reached += 1
            return reached
        build = self._reminder(task, together, "task.dm_subscribers", firing)
        # Who gave up every task named is not chased for it: it went back to the others.
        gave_up = set.intersection(*[await tx.tasks.releasers(t.id) for t in together])
        windows = await tx.fanout.quiet_windows(self._setup.timezone)
        fanout = await tx.fanout.enqueue_for_subscribers(
            scope=aliases.canonical_set(task.scope),
            network_wide=is_network_wide(task.scope, aliases),
            national=aliases.canonical(NATIONAL),
            author_member_id=task.created_by or 0,
            messages={lang: build(lang) for lang in LANGS},
            default_lang=self._setup.default_lang,
            no_dm_platforms=self._setup.no_dm_platforms,
            priority=Priority.TASK,
            subject=task.subject,
            skip=gave_up,
            # Quiet hours stay quiet: a call for help would be stale in the morning digest.
            holding=Holding(
                alert_id=task.alert_id or 0,
                now=firing.now,
                network_tz=self._setup.timezone,
                quiet_active=tuple(active_quiet_keys(windows, firing.now)),
                keep=False,
            ),
        )
        return fanout.queued

    async def _rooms(
        self, tx: Tx, task: Task, aliases: TagAliases
    ) -> list[tuple[Target, str | None]]:
        """The rooms that got the alert (or that the task's scope reaches), and the origin."""
        found: dict[Target, str | None] = {}
        if task.alert_id is not None:
            for row in await tx.outbox.room_copies(alert_subject(task.alert_id)):
                if row.status in ("pending", "sending", "sent"):
                    found.setdefault(row.target, row.lang)
        else:
            for room in await tx.rooms.all():
                if room.unreachable_reason or not scope_matches(task.scope, room.tags, aliases):
                    continue
                found.setdefault(Target(room.platform, TargetKind.ROOM, room.chat_id), room.lang)
        where = changes.origin(task)
        if where.kind is TargetKind.ROOM:
            found.setdefault(where, None)
        return list(found.items())

    # --- due time, "still on it?", release -----------------------------------------------

    async def due(self, tx: Tx, firing: Firing) -> None:
        task = await self._task(tx, firing)
        if task is None:
            return
        if task.status is TaskStatus.OPEN:
            await changes.expired(tx, self._setup, task, firing.now)
        elif task.status is TaskStatus.CLAIMED:
            await self._ask(tx, task, firing)

    async def ask(self, tx: Tx, firing: Firing) -> None:
        task = await self._task(tx, firing)
        if task is not None and task.status is TaskStatus.CLAIMED:
            await self._ask(tx, task, firing)

    async def _ask(self, tx: Tx, task: Task, firing: Firing) -> None:
        setup = self._setup
        if task.claimed_by is None or task.claimed_at is None:
            return
        due = format_local_time(task.due_at or firing.now, setup.timezone, firing.now)
        late = self._late(firing)
        base = changes.notice(
            task, "task.ask", buttons="ask", name=task.claimer_name or "?", due=due
        )

        def build(lang: str) -> OutgoingMessage:
            message = base(lang)
            return OutgoingMessage(cards.with_late(message.spans, lang, late), message.buttons)

        await changes.tell_member(
            tx, setup, task, task.claimed_by, build, fallback=changes.claim_place(task)
        )
        await tx.tasks.add_event(
            task.id, TaskEventKind.REMINDED, task.claimed_by, task.claimer_name, firing.now
        )
        await deadlines.plan_release(tx, setup, task, firing.now, task.claimed_by, task.claimed_at)

    async def release(self, tx: Tx, firing: Firing) -> None:
        task = await self._task(tx, firing)
        payload = firing.timer.payload
        if task is None or task.status is not TaskStatus.CLAIMED:
            return
        if task.claimed_by != payload.get("claimer") or task.claimed_at != payload.get(
            "claimed_at"
        ):
            return  # another claim, or the claimer answered since
        await changes.released(tx, self._setup, task, firing.now, actor=None)


def _about_several(tasks: list[Task], key: str, elapsed: str) -> changes.Build:
    """One reminder naming several tasks of an alert, with a button to take each."""

    def build(lang: str) -> OutgoingMessage:
        names = ", ".join(cards.title(task, lang) for task in tasks)
        body = spans(lang, key, tasks=names, elapsed=elapsed)
        return OutgoingMessage(body, tuple(cards.claim_button(task, lang) for task in tasks))

    return build
