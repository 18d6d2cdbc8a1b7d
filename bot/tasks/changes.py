"""What follows a change of a task: its history, its timers, who is told, the alert copies.

Commands, timers and the archive all change tasks; they all go through here,
inside their own transaction, so a claim made by a button, a release made by
a timer and a completion made by an archived clip look the same to everyone.
Who is told: the room the work came from (unless the change was made there:
the reply is enough), and the claimer when someone else changed their task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.alerts import Alert, AlertStatus, alert_subject
from bot.domain.durations import format_local_time
from bot.domain.members import Member
from bot.domain.messages import Button, OutgoingMessage, Target, TargetKind
from bot.domain.tasks import Task, TaskEventKind, TaskKind, TaskStatus, parse_kind
from bot.i18n import LANGS, pick_lang, spans_from
from bot.store.outbox import CopyRef, Priority
from bot.store.transaction import Tx
from bot.tasks import cards, deadlines
from bot.tasks.setup import TaskSetup


def edits_subject(alert_id: int) -> str:
    """Edits of an alert's copies made for its tasks: one pending edit per copy at most."""
    return f"alert-tasks:{alert_id}"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changed a task, and where they typed (their reply goes there)."""

    member: Member
    where: Target | None = None


def origin(task: Task) -> Target:
    kind = TargetKind.USER if task.origin_private else TargetKind.ROOM
    return Target(task.origin_platform, kind, task.origin_chat_id)


def origin_of_alert(alert: Alert) -> Target:
    kind = TargetKind.USER if alert.origin_private else TargetKind.ROOM
    return Target(alert.origin_platform, kind, alert.origin_chat_id)


def claim_place(task: Task) -> Target | None:
    if task.claim_platform is None or task.claim_chat_id is None:
        return None
    kind = TargetKind.USER if task.claim_private else TargetKind.ROOM
    return Target(task.claim_platform, kind, task.claim_chat_id)


def dm_target(member: Member, setup: TaskSetup) -> Target | None:
    """The member's private chat on their home platform, when the bot may write there:
    they opened it, or the platform lets bots write first (IRC, the console)."""
    identity = member.home_identity()
    if identity is None or identity.unreachable_reason:
        return None
    limits = setup.limits.get(identity.platform)
    if not identity.dm_reachable and not (limits is not None and limits.dm_without_prompt):
        return None
    return Target(identity.platform, TargetKind.USER, identity.user_id)


class NoPrivateChat(StrEnum):
    """Why a person cannot be written to privately (from the most to the least telling)."""

    UNREACHABLE = "unreachable"
    """Their private messages failed for good (they blocked the bot, left the platform)."""
    NOT_OPENED = "not_opened"
    """The platform lets no bot write first, and they never opened a chat with it."""
    NONE = "none"
    """No identity of theirs on a platform this bot runs."""


@dataclass(frozen=True, slots=True)
class PrivateReach:
    target: Target | None
    why_not: NoPrivateChat | None = None
    platform: str | None = None
    """Where it was sent, or the platform that explains `why_not`."""


def private_reach(member: Member, setup: TaskSetup) -> PrivateReach:
    """Where one important private message to `member` can go: their home platform first,
    then any other identity the bot may write to; else why it cannot go anywhere."""
    home = member.home_identity()
    ordered = [i for i in (home, *member.identities) if i is not None]
    seen: set[str] = set()
    failed: list[tuple[NoPrivateChat, str]] = []
    for identity in ordered:
        if identity.key in seen:
            continue
        seen.add(identity.key)
        limits = setup.limits.get(identity.platform)
        if limits is None:
            continue
        if identity.unreachable_reason:
            failed.append((NoPrivateChat.UNREACHABLE, identity.platform))
        elif identity.dm_reachable or limits.dm_without_prompt:
            target = Target(identity.platform, TargetKind.USER, identity.user_id)
            return PrivateReach(target, platform=identity.platform)
        else:
            failed.append((NoPrivateChat.NOT_OPENED, identity.platform))
    if not failed:
        return PrivateReach(None, NoPrivateChat.NONE)
    why, platform = failed[0]
    return PrivateReach(None, why, platform)


Build = Callable[[str], OutgoingMessage]
"""A message, given the language it is read in."""


def notice(task: Task, key: str, *, buttons: str | None = None, **params: object) -> Build:
    """A message about `task` (`{task}` and `{id}` filled in), with its buttons if asked:
    "claim" for a task to take, "ask" for "still on it?"."""

    def build(lang: str) -> OutgoingMessage:
        values = {"task": cards.title(task, lang), "id": task.short_id, **params}
        body = spans_from(lang, key, values)
        shown: tuple[Button, ...] = ()
        if buttons == "claim":
            shown = (cards.claim_button(task, lang),)
        elif buttons == "ask":
            shown = cards.ask_buttons(task, lang)
        return OutgoingMessage(body, shown)

    return build


async def room_lang(tx: Tx, setup: TaskSetup, target: Target) -> str:
    room = await tx.rooms.get(target.platform, target.address)
    return pick_lang(room.lang if room else None, setup.default_lang)


async def send(
    tx: Tx,
    setup: TaskSetup,
    target: Target,
    build: Build,
    *,
    lang: str | None = None,
    subject: str | None = None,
    priority: int = Priority.TASK,
) -> None:
    chosen = lang or await room_lang(tx, setup, target)
    await tx.outbox.enqueue(target, build(chosen), priority, subject=subject, lang=chosen)


async def tell_origin(
    tx: Tx, setup: TaskSetup, task: Task, build: Build, *, unless: Target | None = None
) -> None:
    """The room the work came from sees every change (not when the change was made there)."""
    where = origin(task)
    if where == unless:
        return
    lang: str | None = None
    if where.kind is TargetKind.USER and task.created_by is not None:
        creator = await tx.members.get(task.created_by)
        lang = pick_lang(creator.lang if creator else None, setup.default_lang)
    await send(tx, setup, where, build, lang=lang, subject=task.subject)


async def tell_member(
    tx: Tx,
    setup: TaskSetup,
    task: Task,
    member_id: int | None,
    build: Build,
    *,
    fallback: Target | None = None,
    unless: Target | None = None,
) -> None:
    """A private word to one member; where the bot cannot write privately, in `fallback`."""
    if member_id is None:
        return
    member = await tx.members.get(member_id)
    if member is None:
        return
    target = dm_target(member, setup) or fallback
    if target is None or target == unless:
        return
    lang = member.lang if target.kind is TargetKind.USER else None
    await send(
        tx,
        setup,
        target,
        build,
        lang=pick_lang(lang, setup.default_lang) if lang else None,
        subject=task.subject,
    )


async def refresh_alert(tx: Tx, setup: TaskSetup, alert_id: int | None, now: float) -> int:
    """Edit the alert's room copies to show its tasks' states; returns how many were touched.

    Only room copies (people coordinate in rooms; a national alert's private
    copies are 150,000 rows), only where the platform edits in place, and
    never a copy merged with other messages (its edit would be a new message).
    A copy not yet sent is rewritten; an edit not yet sent is replaced, so a
    burst of claims costs each room one edit.
    """
    if alert_id is None:
        return 0
    alert = await tx.alerts.get(alert_id)
    if alert is None or alert.status is not AlertStatus.OPEN:
        return 0
    tasks = await tx.tasks.for_alert(alert_id)
    return await _edit_copies(tx, setup, alert, tasks, now)


_Shown = tuple[CopyRef, OutgoingMessage, str | None]
"""A room copy of an alert card, the card it should show, and in which language."""


async def _edit_copies(
    tx: Tx, setup: TaskSetup, alert: Alert, tasks: list[Task], now: float
) -> int:
    rendered = {lang: cards.render_alert(alert, tasks, lang, setup.timezone, now) for lang in LANGS}
    subject = edits_subject(alert.id)
    waiting = await tx.outbox.pending_edits(subject)
    unsent: dict[int, _Shown] = {}  # copies still queued, by their own id
    requeue: dict[int, _Shown] = {}  # copies out, by the id of their edit still queued
    edit: list[_Shown] = []
    for row in await tx.outbox.room_copies(alert_subject(alert.id)):
        if not setup.can_edit(row.target.platform):
            continue
        lang = pick_lang(row.lang, setup.default_lang)
        shown = (row, rendered[lang], lang)
        if row.status == "pending":
            unsent[row.id] = shown
        elif row.status in ("sending", "sent") and not row.coalesced:
            queued = waiting.get(row.id)
            if queued is not None:
                requeue[queued] = shown
            else:
                edit.append(shown)
    done = await tx.outbox.rewrite_unstarted([(i, s[1]) for i, s in unsent.items()])
    done |= await tx.outbox.replace_payloads([(i, s[1]) for i, s in requeue.items()])
    # Taken by a worker of another process between the read and the rewrite: on its
    # way with the old text, so the copy gets an edit like one already out.
    edit += [shown for i, shown in (unsent | requeue).items() if i not in done]
    await tx.outbox.enqueue_edits(edit, Priority.TASK, subject=subject)
    return len(done) + len(edit)


async def alert_cancelled(
    tx: Tx, setup: TaskSetup, alert: Alert, by: Member, now: float
) -> list[int]:
    """The alert is cancelled: its unfinished tasks are dropped and stop escalating, and
    edits still waiting to show their states show the cancelled alert instead."""
    dropped = await tx.tasks.drop_for_alert(alert.id, now)
    for task_id in dropped:
        task = await tx.tasks.get(task_id)
        if task is not None:
            await deadlines.stop_all(tx, task)
            await tx.tasks.add_event(
                task_id, TaskEventKind.DROPPED, by.id, by.display_name, now, "alert"
            )
    waiting = await tx.outbox.pending_edits(edits_subject(alert.id))
    if waiting:
        cancelled = {
            lang: cards.render_alert(alert, [], lang, setup.timezone, now) for lang in LANGS
        }
        langs = {row.id: row.lang for row in await tx.outbox.room_copies(alert_subject(alert.id))}
        await tx.outbox.replace_payloads(
            [
                (edit_id, cancelled[pick_lang(langs.get(original_id), setup.default_lang)])
                for original_id, edit_id in waiting.items()
            ]
        )
    return dropped


async def member_removed(
    tx: Tx, setup: TaskSetup, member_id: int, by: Actor, now: float
) -> list[Task]:
    """Someone's membership ended: the tasks they held are free again for the others."""
    freed = []
    for task in await tx.tasks.held_by(member_id):
        fresh = await released(tx, setup, task, now, actor=by, removed=True)
        if fresh is not None:
            freed.append(fresh)
    return freed


# --- changes of state ---------------------------------------------------------------------


async def opened(
    tx: Tx,
    setup: TaskSetup,
    *,
    kind: TaskKind,
    text: str,
    alert: Alert | None,
    scope: tuple[str, ...],
    creator: Member,
    origin: Target,
    origin_label: str,
    due_at: float | None,
    now: float,
) -> Task:
    """A new task, with its escalation and due time promised. The caller tells people."""
    task = await tx.tasks.create(
        kind=kind,
        text=text,
        alert_id=alert.id if alert else None,
        scope=scope,
        created_by=creator.id,
        creator_name=creator.display_name,
        origin=origin,
        origin_label=origin_label,
        due_at=due_at,
        now=now,
    )
    await deadlines.plan_escalation(tx, setup, task)
    await deadlines.plan_due(tx, task)
    return task


async def auto_tasks(
    tx: Tx, setup: TaskSetup, alert: Alert, creator: Member, now: float
) -> list[Task]:
    """The tasks every alert comes with (`[alerts] auto_tasks`), in the alert's scope."""
    kinds = [kind for word in setup.settings.alerts.auto_tasks if (kind := parse_kind(word))]
    where = origin_of_alert(alert)
    return [
        await opened(
            tx,
            setup,
            kind=kind,
            text="",
            alert=alert,
            scope=alert.scope,
            creator=creator,
            origin=where,
            origin_label=alert.origin_label,
            due_at=None,
            now=now,
        )
        for kind in dict.fromkeys(kinds)
    ]


async def claimed(tx: Tx, setup: TaskSetup, task: Task, actor: Actor, now: float) -> Task:
    """Someone took the task (the caller's conditional update succeeded)."""
    await tx.tasks.add_event(
        task.id, TaskEventKind.CLAIMED, actor.member.id, actor.member.display_name, now
    )
    await deadlines.stop_escalation(tx, task)
    await deadlines.stop_claimer_checks(tx, task)
    fresh = await _reload(tx, task)
    if fresh.due_at is not None and fresh.due_at <= now:
        await deadlines.plan_ask_again(tx, setup, fresh, now)
    await tell_origin(
        tx,
        setup,
        fresh,
        notice(fresh, "task.notice.claimed", name=actor.member.display_name),
        unless=actor.where,
    )
    await deadlines.plan_refresh(tx, fresh.alert_id, now)
    return fresh


async def assigned(
    tx: Tx, setup: TaskSetup, task: Task, to: Member, actor: Actor, now: float
) -> Task:
    """A coordinator gave the task to someone (whoever held it before)."""
    previous = task.claimed_by if task.status is TaskStatus.CLAIMED else None
    by = actor.member.display_name
    await tx.tasks.add_event(task.id, TaskEventKind.ASSIGNED, to.id, to.display_name, now, by)
    await deadlines.stop_escalation(tx, task)
    await deadlines.stop_claimer_checks(tx, task)
    fresh = await _reload(tx, task)
    if fresh.due_at is not None and fresh.due_at <= now:
        await deadlines.plan_ask_again(tx, setup, fresh, now)
    if previous is not None and previous != to.id:
        await tell_member(
            tx,
            setup,
            fresh,
            previous,
            notice(fresh, "task.you.reassigned", by=by, name=to.display_name),
            unless=actor.where,
        )
    text = f" — {fresh.text}" if fresh.text else ""
    await tell_member(
        tx,
        setup,
        fresh,
        to.id,
        notice(fresh, "task.you.assigned", buttons="ask", by=by, text=text),
        fallback=actor.where,
    )
    await tell_origin(
        tx,
        setup,
        fresh,
        notice(fresh, "task.notice.assigned", by=by, name=to.display_name),
        unless=actor.where,
    )
    await deadlines.plan_refresh(tx, fresh.alert_id, now)
    return fresh


async def confirmed(tx: Tx, setup: TaskSetup, task: Task, actor: Actor, now: float) -> None:
    """The claimer is still on it: no release; asked again later if the due time is past."""
    asked = await tx.timers.pending_for(task.subject, deadlines.RELEASE)
    await tx.tasks.renew_claim(task.id, actor.member.id, now)
    await deadlines.stop_claimer_checks(tx, task)
    if task.due_at is not None and task.due_at <= now:
        await deadlines.plan_ask_again(tx, setup, task, now)
    if asked:
        await tx.tasks.add_event(
            task.id, TaskEventKind.CONFIRMED, actor.member.id, actor.member.display_name, now
        )


async def released(
    tx: Tx,
    setup: TaskSetup,
    task: Task,
    now: float,
    *,
    actor: Actor | None,
    removed: bool = False,
) -> Task | None:
    """Back to open: the claimer let go (`drop`), did not answer (`actor` None), or is no
    longer a member (`removed`, `actor` being who removed them).

    Escalation starts again, counted from now.
    """
    claimer = task.claimed_by
    if claimer is None or not await tx.tasks.release(task.id, now, claimer=claimer):
        return None
    name = task.claimer_name or "?"
    why = "removed" if removed else "" if actor else "timeout"
    await tx.tasks.add_event(task.id, TaskEventKind.RELEASED, claimer, name, now, why)
    await deadlines.stop_claimer_checks(tx, task)
    fresh = await _reload(tx, task)
    await deadlines.plan_escalation(tx, setup, fresh)
    if removed:
        key = "task.notice.released_removed"
    elif actor is None:
        await tell_member(
            tx,
            setup,
            fresh,
            claimer,
            notice(fresh, "task.you.released"),
            fallback=claim_place(task),
        )
        key = "task.notice.released_timeout"
    else:
        key = "task.notice.released"
    await tell_origin(
        tx,
        setup,
        fresh,
        notice(fresh, key, buttons="claim", name=name),
        # A removal is answered about the person: the room still hears of the freed task.
        unless=actor.where if actor and not removed else None,
    )
    await deadlines.plan_refresh(tx, fresh.alert_id, now)
    return fresh


async def finished(
    tx: Tx,
    setup: TaskSetup,
    task: Task,
    status: TaskStatus,
    now: float,
    *,
    actor: Actor | None,
    done_by: Member | None = None,
    result_url: str | None = None,
    result_clip_id: int | None = None,
    result_text: str | None = None,
) -> Task | None:
    """Done or dropped, for good; None if it was finished already.

    `done_by` is whom the work is credited to (the claimer, when the archive
    completes a clip task); it defaults to the actor.
    """
    credited = done_by or (actor.member if actor else None)
    ok = await tx.tasks.finish(
        task.id,
        status,
        member_id=credited.id if credited else None,
        name=credited.display_name if credited else None,
        now=now,
        result_url=result_url,
        result_clip_id=result_clip_id,
        result_text=result_text,
    )
    if not ok:
        return None
    event = TaskEventKind.DONE if status is TaskStatus.DONE else TaskEventKind.DROPPED
    fresh = await _reload(tx, task)
    await tx.tasks.add_event(
        task.id,
        event,
        credited.id if credited else None,
        credited.display_name if credited else None,
        now,
        cards.result(fresh) or "",
    )
    await deadlines.stop_all(tx, task)
    name = credited.display_name if credited else "?"
    found = cards.result(fresh)
    shown = f" — {found}" if found else ""
    key = "task.notice.done" if status is TaskStatus.DONE else "task.notice.dropped"
    where = actor.where if actor else None
    await tell_origin(tx, setup, fresh, notice(fresh, key, name=name, result=shown), unless=where)
    holder = task.claimed_by if task.status is TaskStatus.CLAIMED else None
    acting = actor.member.id if actor else (credited.id if credited else None)
    if holder is not None and holder != acting:
        you = "task.you.done_by" if status is TaskStatus.DONE else "task.you.dropped_by"
        await tell_member(
            tx,
            setup,
            fresh,
            holder,
            notice(fresh, you, name=name, result=shown),
            fallback=claim_place(task),
            unless=where,
        )
    await deadlines.plan_refresh(tx, fresh.alert_id, now)
    return fresh


async def expired(tx: Tx, setup: TaskSetup, task: Task, now: float) -> Task | None:
    """Due time passed and nobody took it: still worth doing, nobody chased any more."""
    if not await tx.tasks.expire(task.id):
        return None
    await tx.tasks.add_event(task.id, TaskEventKind.EXPIRED, None, None, now)
    await deadlines.stop_escalation(tx, task)
    fresh = await _reload(tx, task)
    due = format_local_time(task.due_at or now, setup.timezone, now)
    await tell_origin(
        tx, setup, fresh, notice(fresh, "task.notice.expired", buttons="claim", due=due)
    )
    await deadlines.plan_refresh(tx, fresh.alert_id, now)
    return fresh


async def clip_archived(
    tx: Tx, setup: TaskSetup, clip_id: int, requested_by: int | None, now: float
) -> int:
    """An archived clip completes the tasks waiting for it, credited to their claimers."""
    done = 0
    for task in await tx.tasks.waiting_for_clip(clip_id):
        credited_id = task.claimed_by or requested_by
        credited = await tx.members.get(credited_id) if credited_id is not None else None
        if await finished(
            tx,
            setup,
            task,
            TaskStatus.DONE,
            now,
            actor=None,
            done_by=credited,
            result_clip_id=clip_id,
        ):
            done += 1
    return done


async def _reload(tx: Tx, task: Task) -> Task:
    fresh = await tx.tasks.get(task.id)
    assert fresh is not None
    return fresh
