"""Tasks: create one, claim it (or the next one), assign it, drop it, finish it, list them.

Who may: an accepted member in a task's scope claims it (from a room of that
scope, or by belonging to or following the scope; people still waiting to be
accepted never get here); its claimer finishes or drops it; the coordinators
of every tag of its scope (`bot.domain.rights`) assign, finish or drop
anyone's. A member holds at most a few tasks at once, so nobody can sit on
all the work. Refusals go through `ctx.refuse`: they stay in the audit log.
"""

from __future__ import annotations

from typing import NoReturn
from urllib.parse import urlsplit

from bot.commands import Context, Handle, Id, Rest, Router, UserError, Word
from bot.domain import Alert, AlertStatus, Counted, Kind, Role, format_id, parse_short_id
from bot.domain.clips import Clip, ClipStatus
from bot.domain.durations import format_local_time
from bot.domain.roles import has_role
from bot.domain.tasks import (
    MAX_ACTIVE_CLAIMS,
    MAX_OPEN_CREATED,
    MAX_RELEASES_PER_HOUR,
    MAX_RESULT_TEXT,
    MAX_TASKS_PER_ALERT,
    Task,
    TaskError,
    TaskEvent,
    TaskEventKind,
    TaskKind,
    TaskStatus,
    in_scope,
    member_scopes,
    next_candidates,
    parse_kind,
    parse_task_request,
)
from bot.i18n import text_from
from bot.tasks import Actor, TaskSetup, cards, changes, deadlines
from handlers.alerts import load_visible

router = Router("tasks")

LIST_LIMIT = 15
MAX_URL = 500
_MINE = frozenset({"mine", "moi", "miennes", "mes"})
_OPEN = frozenset({"open", "ouvertes", "libres", "libre", "todo"})


def _setup(ctx: Context) -> TaskSetup:
    return TaskSetup(ctx.settings, ctx.platforms)


def _actor(ctx: Context) -> Actor:
    return Actor(ctx.member, ctx.origin)


def _title(ctx: Context, task: Task) -> str:
    return cards.title(task, ctx.lang)


def _scope(ctx: Context, task: Task) -> str:
    return cards.scope_text(task.scope, ctx.lang)


async def _load(ctx: Context, number: int) -> Task:
    task = await ctx.tx.tasks.get(number)
    if task is None:
        raise UserError("task.not_found", id=format_id(Kind.TASK, number))
    return task


def _unfinished(ctx: Context, task: Task) -> None:
    if task.is_finished:
        state = cards.state(task, ctx.lang, ctx.network.timezone, ctx.clock())
        raise UserError("task.finished", task=_title(ctx, task), state=state)


def _coordinates(ctx: Context, task: Task) -> bool:
    """A coordinator of the task's scope (a network-wide task: of the network)."""
    return ctx.has_role(Role.COORDINATOR, task.scope or None)


def _may_take(ctx: Context, task: Task) -> bool:
    room_tags = ctx.room.tags if ctx.room is not None else ()
    scopes = member_scopes(ctx.member, room_tags)
    return in_scope(task.scope, scopes, ctx.aliases) or _coordinates(ctx, task)


def _may_see(ctx: Context, task: Task) -> bool:
    """A task's text and history are shown as its alert is (`may_see`), and to whoever
    created, holds or finished it."""
    mine = ctx.member.id in (task.created_by, task.claimed_by, task.done_by)
    return mine or ctx.sees(task.scope)


async def _refuse_out_of_scope(ctx: Context, command: str, task: Task) -> NoReturn:
    first = task.scope[0] if task.scope else ""
    await ctx.refuse(
        command,
        "task.out_of_scope",
        detail=f"{task.short_id} out of scope",
        task=_title(ctx, task),
        scope=_scope(ctx, task),
        tag=first,
    )


def _due_text(ctx: Context, task: Task) -> str:
    if task.due_at is None:
        return ""
    return ctx.t(
        "task.due_suffix", due=format_local_time(task.due_at, ctx.network.timezone, ctx.clock())
    )


# --- task ---------------------------------------------------------------------------------


@router.command(
    "task",
    aliases=("tache",),
    args=(Rest("request"),),
    role=Role.MEMBER,
    summary=("Créer une tâche (clip, riposte, partage…)", "Create a task (clip, rebuttal, share…)"),
    usage=(
        "task [A17] clip|riposte|partage|<texte> [texte] [due 30m|21:30] [#tags]",
        "task [A17] clip|rebuttal|share|<text> [text] [due 30m|21:30] [#tags]",
    ),
    details=(
        "Avec une alerte, la tâche en prend le périmètre et s'affiche sous l'alerte relayée, "
        "avec un bouton pour la prendre. Sans alerte, il faut être coordinateur du périmètre "
        "(#tags). L'échéance : due 30m, due 90s, due 21:30, due demain 08:00.",
        "With an alert, the task takes its scope and shows under the relayed alert, with a "
        "button to take it. Without an alert, you must coordinate its scope (#tags). Due "
        "time: due 30m, due 90s, due 21:30, due tomorrow 08:00.",
    ),
)
async def task(ctx: Context, request: str) -> None:
    words = request.split(maxsplit=1)
    alert: Alert | None = None
    rest = request
    attached = parse_short_id(words[0]) if words else None
    if attached is not None and attached.kind is Kind.ALERT:
        alert = await load_visible(ctx, attached.number, "task")
        rest = words[1] if len(words) > 1 else ""
    elif attached is not None:
        raise UserError("task.bad_attach", id=str(attached))
    now = ctx.clock()
    try:
        draft = parse_task_request(rest, now, ctx.network.timezone)
    except TaskError as error:
        raise UserError(error.key, **error.params) from None
    coordinator = ctx.has_role(Role.COORDINATOR, (alert.scope if alert else draft.scope) or None)
    if alert is not None:
        await _may_add_to(ctx, alert, draft.scope, coordinator)
    elif not coordinator:
        await ctx.refuse(
            "task",
            "task.needs_coordinator",
            detail=f"no alert, not a coordinator of {' '.join(draft.scope) or 'the network'}",
            scope=cards.scope_text(draft.scope, ctx.lang),
        )
    if not coordinator and await ctx.tx.tasks.open_created_by(ctx.member.id) >= MAX_OPEN_CREATED:
        await ctx.refuse("task", "task.too_many_created", n=MAX_OPEN_CREATED)
    setup = _setup(ctx)
    if alert is not None:
        where = changes.origin_of_alert(alert)
        label = alert.origin_label
    else:
        where = ctx.origin
        label = ctx.room_label if not ctx.message.is_private else ctx.t("alert.private")
    created = await changes.opened(
        ctx.tx,
        setup,
        kind=draft.kind,
        text=draft.text,
        alert=alert,
        scope=alert.scope if alert else draft.scope,
        creator=ctx.member,
        origin=where,
        origin_label=label,
        due_at=draft.due_at,
        now=now,
    )
    await ctx.reply(
        "task.created",
        buttons=(cards.claim_button(created, ctx.lang),),
        task=_title(ctx, created),
        due=_due_text(ctx, created),
        id=created.short_id,
    )
    text = f" — {created.text}" if created.text else ""
    await changes.tell_origin(
        ctx.tx,
        setup,
        created,
        changes.notice(
            created, "task.notice.created", buttons="claim", name=ctx.member.display_name, text=text
        ),
        unless=ctx.origin,
    )
    await deadlines.plan_refresh(ctx.tx, created.alert_id, now)


async def _may_add_to(ctx: Context, alert: Alert, tags: tuple[str, ...], coordinator: bool) -> None:
    """An alert's author, its scope's members and coordinators add tasks, a few at most."""
    if alert.status is not AlertStatus.OPEN:
        raise UserError("alert.is_cancelled", id=alert.short_id)
    if tags:
        raise UserError("task.tags_with_alert")
    room_tags = ctx.room.tags if ctx.room is not None else ()
    member = in_scope(alert.scope, member_scopes(ctx.member, room_tags), ctx.aliases)
    if not (member or coordinator or alert.author_member_id == ctx.member.id):
        scope = cards.scope_text(alert.scope, ctx.lang)
        await ctx.refuse(
            "task",
            "task.alert_out_of_scope",
            detail=f"{alert.short_id} out of scope",
            alert=alert.short_id,
            scope=scope,
        )
    if len(await ctx.tx.tasks.for_alert(alert.id)) >= MAX_TASKS_PER_ALERT:
        raise UserError("task.too_many_for_alert", alert=alert.short_id, n=MAX_TASKS_PER_ALERT)


# --- claim, next --------------------------------------------------------------------------


async def _take(
    ctx: Context,
    found: Task,
    *,
    command: str = "claim",
    quiet_race: bool = False,
    reply: bool = True,
) -> bool:
    """Claim `found` for the member. False (with `quiet_race`) when someone was faster."""
    now = ctx.clock()
    _unfinished(ctx, found)
    if found.status is TaskStatus.CLAIMED:
        if found.claimed_by == ctx.member.id:
            asked = await ctx.tx.timers.pending_for(found.subject, deadlines.RELEASE)
            await changes.confirmed(ctx.tx, _setup(ctx), found, _actor(ctx), now)
            if reply or asked:
                if asked:
                    await ctx.reply("task.confirmed", task=_title(ctx, found))
                else:
                    await ctx.reply(
                        "task.already_yours", task=_title(ctx, found), id=found.short_id
                    )
            return True
        if quiet_race:
            return False
        raise UserError("task.taken", task=_title(ctx, found), name=found.claimer_name or "?")
    if not _may_take(ctx, found):
        await _refuse_out_of_scope(ctx, command, found)
    if not _coordinates(ctx, found):
        held = await ctx.tx.tasks.held_by(ctx.member.id)
        if len(held) >= MAX_ACTIVE_CLAIMS:
            await ctx.refuse(command, "task.too_many_claims", n=MAX_ACTIVE_CLAIMS)
        dropped = await ctx.tx.tasks.releases_since(ctx.member.id, now - 3600)
        if dropped >= MAX_RELEASES_PER_HOUR:
            await ctx.refuse(command, "task.too_many_releases", n=dropped)
    name = ctx.member.display_name
    if not await ctx.tx.tasks.claim(found.id, ctx.member.id, name, ctx.origin, now):
        if quiet_race:
            return False
        fresh = await _load(ctx, found.id)  # someone was faster: say who
        _unfinished(ctx, fresh)
        raise UserError("task.taken", task=_title(ctx, fresh), name=fresh.claimer_name or "?")
    fresh = await changes.claimed(ctx.tx, _setup(ctx), found, _actor(ctx), now)
    if not reply:
        return True
    text = f" — {fresh.text}" if fresh.text else ""
    await ctx.reply(
        "task.claimed",
        task=_title(ctx, fresh),
        text=text,
        due=_due_text(ctx, fresh),
        id=fresh.short_id,
    )
    return True


async def hold_for_clip(ctx: Context, number: int) -> Task:
    """`clip T5 URL`: a clip task the member takes (if free) and that the clip will complete.

    A coordinator of its scope may attach a clip to someone else's task.
    """
    found = await _load(ctx, number)
    _unfinished(ctx, found)
    if found.kind is not TaskKind.CLIP:
        if found.alert_id is not None:
            raise UserError("task.not_a_clip_alert", task=_title(ctx, found),
                            alert=format_id(Kind.ALERT, found.alert_id))  # fmt: skip
        raise UserError("task.not_a_clip", task=_title(ctx, found))
    held_by_other = found.status is TaskStatus.CLAIMED and found.claimed_by != ctx.member.id
    if not (held_by_other and _coordinates(ctx, found)):
        await _take(ctx, found, command="clip", reply=False)
    return await _load(ctx, number)


async def attach_clip(ctx: Context, task: Task, clip: Clip, *, closing: bool = False) -> None:
    """The clip completes the task once archived (at once if it already is), but only the
    task of whoever holds it: a coordinator's clip for someone else's task goes to the task's
    alert and leaves the task with its holder, who closes it (`done T5 K9`) if it suits.
    `closing`: a coordinator's `done T5 K9`, which closes the task on purpose."""
    held = task.status is TaskStatus.CLAIMED and task.claimed_by == ctx.member.id
    if not held and not closing:
        await ctx.tx.tasks.add_event(
            task.id,
            TaskEventKind.LINKED,
            ctx.member.id,
            ctx.member.display_name,
            ctx.clock(),
            clip.short_id,
        )
        await ctx.reply(
            "task.clip_offered",
            task=_title(ctx, task),
            clip=clip.short_id,
            name=task.claimer_name or "?",
            id=task.short_id,
            prefix=ctx.limits.command_prefix,
        )
        return
    if clip.status is ClipStatus.DONE:
        await changes.finished(
            ctx.tx,
            _setup(ctx),
            task,
            TaskStatus.DONE,
            ctx.clock(),
            actor=_actor(ctx),
            result_clip_id=clip.id,
        )
        await ctx.reply("task.done", task=_title(ctx, task), result=f" — {clip.short_id}")
        return
    await ctx.tx.tasks.link_clip(task.id, clip.id)
    await ctx.tx.tasks.add_event(
        task.id,
        TaskEventKind.LINKED,
        ctx.member.id,
        ctx.member.display_name,
        ctx.clock(),
        clip.short_id,
    )


async def own_clip_tasks(ctx: Context, alert_id: int) -> list[Task]:
    """`clip A17 URL` by whoever holds a clip task of A17: that clip is theirs for the task."""
    return [
        task
        for task in await ctx.tx.tasks.for_alert(alert_id)
        if task.kind is TaskKind.CLIP
        and task.status is TaskStatus.CLAIMED
        and task.claimed_by == ctx.member.id
    ]


@router.command(
    "claim",
    aliases=("prendre", "jeprends"),
    args=(Id("task", kind=Kind.TASK),),
    role=Role.MEMBER,
    summary=("Prendre une tâche", "Take a task"),
    usage="claim T5",
    details=(
        "Si deux personnes la prennent en même temps, une seule l'a ; l'autre apprend qui. "
        "Reprendre une tâche qu'on a déjà, c'est dire qu'on est toujours dessus.",
        "If two people take it at once, one gets it; the other is told who. Taking a task "
        "you already hold says you are still on it.",
    ),
)
async def claim(ctx: Context, task: int) -> None:
    await _take(ctx, await _load(ctx, task))


@router.command(
    "next",
    aliases=("suivant", "suivante"),
    args=(Word("kind", optional=True, max_length=30),),
    role=Role.MEMBER,
    summary=(
        "Prendre la plus ancienne tâche libre de vos périmètres",
        "Take the oldest free task in your scopes",
    ),
    usage=("next [clip|riposte|partage]", "next [clip|rebuttal|share]"),
)
async def next_(ctx: Context, kind: str | None) -> None:
    wanted: TaskKind | None = None
    if kind is not None:
        wanted = parse_kind(kind)
        if wanted is None:
            raise UserError("task.bad_kind", value=kind[:30])
    skipped = await ctx.tx.tasks.released_by(ctx.member.id)
    for candidate in next_candidates(await ctx.tx.tasks.takeable(), wanted):
        if candidate.id in skipped or not _may_take(ctx, candidate):
            continue
        if await _take(ctx, candidate, command="next", quiet_race=True):
            return
    await ctx.reply("task.next_none")


# --- assign, drop, done -------------------------------------------------------------------


@router.command(
    "assign",
    aliases=("confier",),
    args=(Id("task", kind=Kind.TASK), Handle("member")),
    role=Role.COORDINATOR,
    summary=("Confier une tâche à quelqu'un", "Give a task to someone"),
    usage=("assign T5 @pseudo", "assign T5 @name"),
    details=(
        "Réservé aux coordinateurs du périmètre de la tâche ; la personne doit en faire partie.",
        "For the coordinators of the task's scope; the person must belong to it.",
    ),
)
async def assign(ctx: Context, task: int, member: str) -> None:
    found = await _load(ctx, task)
    _unfinished(ctx, found)
    if not _coordinates(ctx, found):
        await ctx.refuse(
            "assign",
            "task.assign_refused",
            detail=found.short_id,
            task=_title(ctx, found),
            scope=_scope(ctx, found),
        )
    target = await ctx.find_member(member)
    if not target.joined:
        # Pending, refused or removed: work goes to accepted members only.
        await ctx.refuse(
            "assign",
            "task.assign_pending" if target.is_pending else "task.assign_not_member",
            detail=f"{found.short_id} to {target.short_id} ({target.standing.value})",
            name=target.display_name,
            id=target.short_id,
        )
    if found.status is TaskStatus.CLAIMED and found.claimed_by == target.id:
        raise UserError("task.assign_already", name=target.display_name, task=_title(ctx, found))
    inside = in_scope(found.scope, member_scopes(target), ctx.aliases) or has_role(
        target.grants, Role.COORDINATOR, found.scope or None, ctx.aliases
    )
    if not inside:
        await ctx.refuse(
            "assign",
            "task.assign_outside",
            detail=f"{found.short_id} to {target.short_id} outside its scope",
            name=target.display_name,
            task=_title(ctx, found),
            scope=_scope(ctx, found),
        )
    now = ctx.clock()
    if not await ctx.tx.tasks.assign(found.id, target.id, target.display_name, ctx.origin, now):
        _unfinished(ctx, await _load(ctx, found.id))
    await changes.assigned(ctx.tx, _setup(ctx), found, target, _actor(ctx), now)
    await ctx.reply("task.assigned", task=_title(ctx, found), name=target.display_name)


@router.command(
    "drop",
    aliases=("lacher", "abandonner"),
    args=(Id("task", kind=Kind.TASK),),
    role=Role.MEMBER,
    summary=("Lâcher une tâche (ou l'abandonner)", "Let go of a task (or drop it)"),
    usage="drop T5",
    details=(
        "Son preneur la rend libre pour les autres. Son auteur, l'auteur de l'alerte ou un "
        "coordinateur de son périmètre l'abandonne pour de bon.",
        "Its claimer makes it free for others. Its author, the alert's author or a "
        "coordinator of its scope drops it for good.",
    ),
)
async def drop(ctx: Context, task: int) -> None:
    found = await _load(ctx, task)
    _unfinished(ctx, found)
    now = ctx.clock()
    setup = _setup(ctx)
    if found.status is TaskStatus.CLAIMED and found.claimed_by == ctx.member.id:
        await changes.released(ctx.tx, setup, found, now, actor=_actor(ctx))
        await ctx.reply("task.released", task=_title(ctx, found), id=found.short_id)
        return
    alert = await ctx.tx.alerts.get(found.alert_id) if found.alert_id is not None else None
    owner = ctx.member.id in (found.created_by, alert.author_member_id if alert else None)
    if not (owner or _coordinates(ctx, found)):
        await ctx.refuse(
            "drop", "task.drop_refused", detail=found.short_id, task=_title(ctx, found)
        )
    await changes.finished(ctx.tx, setup, found, TaskStatus.DROPPED, now, actor=_actor(ctx))
    await ctx.reply("task.dropped", task=_title(ctx, found))


@router.command(
    "done",
    aliases=("fait", "fini", "termine"),
    args=(Id("task", kind=Kind.TASK), Rest("result", optional=True)),
    role=Role.MEMBER,
    summary=("Dire qu'une tâche est faite", "Say a task is done"),
    usage=("done T5 [lien|K9|texte]", "done T5 [link|K9|text]"),
    details=(
        "Le résultat : le lien publié, le clip archivé (K9) ou un mot. Un clip encore en "
        "téléchargement termine la tâche dès qu'il est archivé.",
        "The result: the published link, the archived clip (K9) or a word. A clip still "
        "downloading completes the task as soon as it is archived.",
    ),
)
async def done(ctx: Context, task: int, result: str | None) -> None:
    found = await _load(ctx, task)
    _unfinished(ctx, found)
    mine = found.status is TaskStatus.CLAIMED and found.claimed_by == ctx.member.id
    if not mine and not _coordinates(ctx, found):
        if found.is_takeable:
            raise UserError("task.done_open", task=_title(ctx, found), id=found.short_id)
        await ctx.refuse(
            "done",
            "task.done_refused",
            detail=found.short_id,
            task=_title(ctx, found),
            name=found.claimer_name or "?",
        )
    url, clip_id, note = await _result(ctx, found, (result or "").strip())
    if clip_id is not None:
        clip = await ctx.tx.clips.get(clip_id)
        assert clip is not None
        await attach_clip(ctx, found, clip, closing=True)
        if clip.status is not ClipStatus.DONE:
            await ctx.reply("task.done_pending_clip", task=_title(ctx, found), clip=clip.short_id)
        return
    finished = await changes.finished(
        ctx.tx,
        _setup(ctx),
        found,
        TaskStatus.DONE,
        ctx.clock(),
        actor=_actor(ctx),
        result_url=url,
        result_clip_id=clip_id,
        result_text=note,
    )
    shown = cards.result(finished) if finished else None
    await ctx.reply("task.done", task=_title(ctx, found), result=f" — {shown}" if shown else "")


async def _result(ctx: Context, task: Task, raw: str) -> tuple[str | None, int | None, str | None]:
    """(link, clip, text) out of what follows `done T5`."""
    if not raw:
        return None, None, None
    first, _, rest = raw.partition(" ")
    clip_id = parse_short_id(first, Kind.CLIP)
    if clip_id is not None and not rest.strip():
        clip = await ctx.tx.clips.get(clip_id.number)
        if clip is None:
            raise UserError("clip.not_found", id=str(clip_id))
        if clip.status is ClipStatus.FAILED:
            raise UserError("task.clip_failed", clip=clip.short_id, task=_title(ctx, task))
        return None, clip.id, None
    note = " ".join(rest.split()) or None  # one line on every card, whatever was typed
    if first.casefold().startswith(("http://", "https://")):
        parts = urlsplit(first)
        if len(first) > MAX_URL or not parts.netloc or any(ch.isspace() for ch in first):
            raise UserError("task.bad_result_url", value=first[:80])
    elif first.casefold().startswith(("javascript:", "data:", "file:", "ftp://")):
        raise UserError("task.bad_result_url", value=first[:80])
    else:
        first, note = "", " ".join(raw.split())
    if note is not None and len(note) > MAX_RESULT_TEXT:
        raise UserError("task.result_too_long", limit=MAX_RESULT_TEXT)
    return first or None, None, note


# --- tasks --------------------------------------------------------------------------------


@router.command(
    "tasks",
    aliases=("taches",),
    args=(Word("which", optional=True, max_length=30),),
    role=Role.MEMBER,
    summary=(
        "Les tâches : les vôtres, les libres, celles d'une alerte",
        "Tasks: yours, free ones, an alert's",
    ),
    usage=("tasks [mine|open|A17|T5]", "tasks [mine|open|A17|T5]"),
)
async def tasks(ctx: Context, which: str | None) -> None:
    word = (which or "").casefold()
    short = parse_short_id(which) if which else None
    if short is not None and short.kind is Kind.TASK:
        shown = await _load(ctx, short.number)
        if not _may_see(ctx, shown):
            await ctx.audit("tasks", "refused", f"{shown.short_id} out of sight")
            raise UserError("task.not_found", id=shown.short_id)
        await _detail(ctx, shown)
        return
    if short is not None and short.kind is Kind.ALERT:
        alert = await load_visible(ctx, short.number, "tasks")
        found = await ctx.tx.tasks.for_alert(alert.id)
        await _list(ctx, [("task.list_alert", found)], alert=alert.short_id)
        return
    if which is not None and word not in _MINE and word not in _OPEN:
        raise UserError("task.bad_list", value=which[:30])
    sections: list[tuple[str, list[Task]]] = []
    if which is None or word in _MINE:
        held = await ctx.tx.tasks.held_by(ctx.member.id)
        if word in _MINE:
            held += await ctx.tx.tasks.finished_by(ctx.member.id, 5)
        sections.append(("task.list_mine", held))
    if which is None or word in _OPEN:
        free = [t for t in await ctx.tx.tasks.takeable() if _may_take(ctx, t)]
        sections.append(("task.list_open", free))
    await _list(ctx, sections)


async def _list(ctx: Context, sections: list[tuple[str, list[Task]]], **params: object) -> None:
    now = ctx.clock()
    lines: list[str] = []
    for header, found in sections:
        if not found:
            continue
        lines.append(ctx.t(header, **params))
        for item in found[:LIST_LIMIT]:
            lines.append(_list_line(ctx, item, now))
        if len(found) > LIST_LIMIT:
            more = Counted("count.more", len(found) - LIST_LIMIT)
            lines.append(ctx.t("task.list_more", more=more))
    await ctx.reply_text("\n".join(lines) if lines else ctx.t("task.list_none"))


def _list_line(ctx: Context, task: Task, now: float) -> str:
    state = cards.state(task, ctx.lang, ctx.network.timezone, now)
    if task.text:
        return ctx.t(
            "task.list_line_text",
            task=_title(ctx, task),
            text=cards.excerpt(task.text, cards.CARD_TEXT),
            state=state,
        )
    return ctx.t("task.list_line", task=_title(ctx, task), state=state)


async def _detail(ctx: Context, task: Task) -> None:
    now = ctx.clock()
    zone = ctx.network.timezone
    lines = [
        ctx.t("task.detail_header", task=_title(ctx, task), text=task.text)
        if task.text
        else ctx.t("task.detail_header_plain", task=_title(ctx, task)),
        ctx.t("task.detail_state", state=cards.state(task, ctx.lang, zone, now)),
        ctx.t("task.detail_scope", scope=_scope(ctx, task)),
        ctx.t("task.detail_history"),
    ]
    for event in await ctx.tx.tasks.events(task.id):
        lines.append(_event_line(ctx, event, zone, now))
    await ctx.reply_text("\n".join(lines))


def _event_line(ctx: Context, event: TaskEvent, zone: str, now: float) -> str:
    key = f"task.event.{event.event.value}"
    params: dict[str, object] = {
        "at": format_local_time(event.at, zone, now),
        "name": event.member_name or "?",
        "detail": f" — {event.detail}" if event.detail else "",
        "n": 0,
    }
    if event.event is TaskEventKind.RELEASED and event.detail in ("timeout", "removed"):
        key += f"_{event.detail}"
    elif event.event is TaskEventKind.DROPPED and event.detail:
        key += "_alert"
    elif event.event is TaskEventKind.ESCALATED:
        action, _, reached = event.detail.rpartition(":")
        params["detail"] = ctx.t(f"task.action.{action or 'remind_rooms'}")
        params["n"] = int(reached) if reached.isdigit() else 0
        if not reached.isdigit():
            key += "_grouped"
    elif event.event in (TaskEventKind.ASSIGNED, TaskEventKind.LINKED):
        params["detail"] = event.detail
    return text_from(ctx.lang, key, params)
