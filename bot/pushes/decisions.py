"""Submit, approve, reject, edit, schedule, unpush: the rules, callable from any front.

Chat commands call these, and so can any other front (a web page): each takes
a transaction, the acting member and the time, checks who may, changes the
store, tells whoever must be told (outbox rows), and returns what happened
or raises `ContentError` (a refusal by right is a `Refused`, which a front
writes to the audit log). Nothing here talks to a network.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.domain.content import (
    MAX_REASON_LENGTH,
    SOCIAL_NETWORKS,
    Content,
    ContentDraft,
    ContentError,
    ContentStatus,
    EditRequest,
    Network,
    TooLong,
    first_url,
    may_decide,
    measure,
    over_limits,
)
from bot.domain.members import Member
from bot.domain.messages import Button, OutgoingMessage, Target, TargetKind
from bot.domain.pushes import (
    Push,
    PushRequest,
    PushStatus,
    QuotaOverflow,
    Targets,
    TargetState,
    occurrences,
    quota_overflow,
)
from bot.domain.roles import Role, has_role
from bot.domain.tags import NATIONAL, TagAliases
from bot.domain.tasks import TaskEventKind
from bot.i18n import pick_lang, spans, text
from bot.pushes.setup import PushSetup, length_limits
from bot.scheduler import cancel, schedule
from bot.store.outbox import Priority
from bot.store.transaction import Tx
from bot.tasks import deadlines

SEND = "push.send"
REPORT = "push.report"
MAX_PENDING_PER_MEMBER = 10
"""Content one member may have waiting in the queue (coordinators: no cap)."""


class Refused(ContentError):
    """Not allowed for this member: the front audits it."""


@dataclass(frozen=True, slots=True)
class Actor:
    member: Member
    where: Target | None
    lang: str


def content_origin(content: Content) -> Target:
    kind = TargetKind.USER if content.origin_private else TargetKind.ROOM
    return Target(content.origin_platform, kind, content.origin_chat_id)


def push_origin(push: Push) -> Target:
    kind = TargetKind.USER if push.origin_private else TargetKind.ROOM
    return Target(push.origin_platform, kind, push.origin_chat_id)


def coordinates(member: Member, scope: Iterable[str], aliases: TagAliases) -> bool:
    """Coordinator over every tag of `scope` (empty: the whole network)."""
    tags = tuple(scope)
    return has_role(member.grants, Role.COORDINATOR, tags or None, aliases)


async def load_content(tx: Tx, content_id: int) -> Content:
    found = await tx.content.get(content_id)
    if found is None:
        raise ContentError("content.not_found", id=f"C{content_id}")
    return found


async def load_push(tx: Tx, push_id: int) -> Push:
    found = await tx.pushes.get(push_id)
    if found is None:
        raise ContentError("push.not_found", id=f"P{push_id}")
    return found


def too_long_error(found: list[TooLong], content: Content) -> ContentError:
    first = found[0]
    details = ", ".join(f"{t.network.label} {t.length}/{t.limit}" for t in found)
    return ContentError(
        "content.too_long",
        id=content.short_id,
        details=details,
        network=first.network.value,
    )


# --- submit, approve, reject, edit --------------------------------------------------------


async def submit(
    tx: Tx,
    setup: PushSetup,
    draft: ContentDraft,
    actor: Actor,
    scope: tuple[str, ...],
    aliases: TagAliases,
    now: float,
) -> Content:
    """New content in `scope`; a coordinator's is approved at once unless four eyes are on."""
    coordinator = coordinates(actor.member, scope, aliases)
    if not coordinator and await tx.content.pending_by(actor.member.id) >= MAX_PENDING_PER_MEMBER:
        raise Refused("content.too_many_pending", n=MAX_PENDING_PER_MEMBER)
    clip_id: int | None = None
    if draft.clip_number is not None:
        clip = await tx.clips.get(draft.clip_number)
        if clip is None:
            raise ContentError("clip.not_found", id=f"K{draft.clip_number}")
        if clip.status.value == "failed":
            raise ContentError("content.clip_failed", clip=clip.short_id)
        clip_id = clip.id
    preapproved = coordinator and not setup.settings.push.four_eyes
    status = ContentStatus.APPROVED if preapproved else ContentStatus.PENDING
    where = actor.where or Target("console", TargetKind.USER, actor.member.short_id)
    created = await tx.content.create(
        dataclasses.replace(draft, scope=scope),
        clip_id=clip_id,
        author_member_id=actor.member.id,
        author_name=actor.member.display_name,
        origin=where,
        status=status,
        now=now,
    )
    if preapproved:
        found = over_limits(created, setup.checked_networks, await length_limits(tx, setup))
        if found:
            await tx.content.reopen(created.id, now)
            return await load_content(tx, created.id)
    return created


def _check_decider(actor: Actor, content: Content, aliases: TagAliases, four_eyes: bool) -> None:
    if not coordinates(actor.member, content.scope, aliases):
        raise Refused("content.decide_refused", id=content.short_id)
    refusal = may_decide(actor.member.id, content, four_eyes=four_eyes)
    if refusal is not None:
        raise Refused(refusal, id=content.short_id)


async def approve(
    tx: Tx, setup: PushSetup, content_id: int, actor: Actor, aliases: TagAliases, now: float
) -> Content:
    content = await load_content(tx, content_id)
    if content.status is ContentStatus.APPROVED:
        raise ContentError(
            "content.already_approved", id=content.short_id, name=content.decided_name or "?"
        )
    _check_decider(actor, content, aliases, setup.settings.push.four_eyes)
    found = over_limits(content, setup.checked_networks, await length_limits(tx, setup))
    if found:
        raise too_long_error(found, content)
    expect = (ContentStatus.PENDING, ContentStatus.REJECTED)
    if not await tx.content.decide(
        content.id,
        ContentStatus.APPROVED,
        by=actor.member.id,
        name=actor.member.display_name,
        now=now,
        expect=expect,
    ):
        raise ContentError("content.changed", id=content.short_id)
    decided = await load_content(tx, content.id)
    await tell_author(tx, setup, decided, "content.author.approved", name=actor.member.display_name)
    return decided


async def reject(
    tx: Tx,
    setup: PushSetup,
    content_id: int,
    actor: Actor,
    reason: str | None,
    aliases: TagAliases,
    now: float,
) -> Content:
    content = await load_content(tx, content_id)
    if content.status is ContentStatus.REJECTED:
        raise ContentError("content.already_rejected", id=content.short_id)
    if not coordinates(actor.member, content.scope, aliases):
        raise Refused("content.decide_refused", id=content.short_id)
    note = " ".join((reason or "").split())
    if len(note) > MAX_REASON_LENGTH:
        raise ContentError("content.reason_too_long", limit=MAX_REASON_LENGTH)
    if await tx.pushes.for_content(content.id) and any(
        p.status is PushStatus.SCHEDULED for p in await tx.pushes.for_content(content.id)
    ):
        raise ContentError("content.has_pushes", id=content.short_id)
    if not await tx.content.decide(
        content.id,
        ContentStatus.REJECTED,
        by=actor.member.id,
        name=actor.member.display_name,
        now=now,
        reason=note or None,
        expect=(ContentStatus.PENDING, ContentStatus.APPROVED),
    ):
        raise ContentError("content.changed", id=content.short_id)
    decided = await load_content(tx, content.id)
    key = "content.author.rejected_reason" if note else "content.author.rejected"
    await tell_author(tx, setup, decided, key, name=actor.member.display_name, reason=note)
    return decided


@dataclass(frozen=True, slots=True)
class Edited:
    content: Content
    reopened: bool = False
    """An approved text changed under four eyes: back in the queue."""
    too_long: tuple[TooLong, ...] = field(default=())
    """The text itself is over some network's limit (a variant for it will be needed)."""


async def edit(
    tx: Tx,
    setup: PushSetup,
    content_id: int,
    actor: Actor,
    request: EditRequest,
    aliases: TagAliases,
    now: float,
) -> Edited:
    """Change the text or one network's variant. A variant over its network's limit is
    refused with the count; the text itself is accepted and its overruns reported."""
    content = await load_content(tx, content_id)
    author = actor.member.id == content.author_member_id
    coordinator = coordinates(actor.member, content.scope, aliases)
    if not coordinator:
        if not author:
            raise Refused("content.edit_refused", id=content.short_id)
        if content.status is not ContentStatus.PENDING:
            raise ContentError("content.edit_decided", id=content.short_id)
    limits = await length_limits(tx, setup)
    if request.network is not None:
        if request.text:
            probe = dataclasses.replace(content, variants={request.network: request.text})
            length = measure(request.network, probe.text_for(request.network))
            limit = limits[request.network]
            if length > limit:
                raise ContentError(
                    "content.variant_too_long",
                    network=request.network.label,
                    length=length,
                    limit=limit,
                )
        await tx.content.set_variant(content.id, request.network, request.text, now)
    else:
        url = first_url(request.text) or content.url
        await tx.content.set_text(content.id, request.text, url, now)
    reopened = False
    four_eyes = setup.settings.push.four_eyes
    if content.status is ContentStatus.APPROVED and four_eyes:
        await tx.content.reopen(content.id, now, actor.member.id)
        reopened = True
    fresh = await load_content(tx, content.id)
    found = tuple(over_limits(fresh, setup.checked_networks, limits))
    return Edited(fresh, reopened, found)


async def tell_author(
    tx: Tx, setup: PushSetup, content: Content, key: str, **params: object
) -> None:
    """The author hears what became of their content, where they submitted it."""
    author = await tx.members.get(content.author_member_id)
    where = content_origin(content)
    lang = pick_lang(author.lang if author else None, setup.default_lang)
    if where.kind is TargetKind.ROOM:
        room = await tx.rooms.get(where.platform, where.address)
        lang = pick_lang(
            author.lang if author else None, room.lang if room else None, setup.default_lang
        )
    message = OutgoingMessage(spans(lang, key, id=content.short_id, **params))
    await tx.outbox.enqueue(where, message, Priority.TASK, lang=lang)


# --- pushes -------------------------------------------------------------------------------


def touched_scope(setup: PushSetup, content: Content, targets: Targets) -> tuple[str, ...]:
    """Every tag a push touches: its content, its rooms, its accounts and channels.
    Something network-wide among them makes the whole push network-wide."""
    tags: list[str] = list(content.scope) if content.scope else [NATIONAL]
    tags += targets.tags
    for network in targets.networks:
        tags.append(setup.account_scope(network))
    if targets.channels:
        tags.append(setup.settings.push.channel_scope)
    return tuple(dict.fromkeys(tags))


async def x_quota(
    tx: Tx, setup: PushSetup, planned: list[float], now: float, *, ignore: int | None = None
) -> QuotaOverflow | None:
    """Would these X posts break the daily quota, counting posts made and promised?"""
    quota = setup.settings.x.daily_quota
    if not planned or quota <= 0:
        return None
    existing = await tx.pushes.network_times(Network.X, now - 86_400)
    zone = setup.zone
    for other in await tx.pushes.scheduled():
        if other.id == ignore or Network.X not in other.targets.networks:
            continue
        existing += [
            t
            for t in occurrences(other.rule, other.first_at, zone, start=other.runs_done)
            if t >= now
        ]
    return quota_overflow(existing, planned, quota)


async def check_targets(tx: Tx, setup: PushSetup, content: Content, targets: Targets) -> None:
    """Each target configured; each text within its network's limit."""
    for network in targets.networks:
        if network not in setup.accounts:
            raise ContentError("push.not_configured", network=network.label)
    if targets.channels and not setup.has_channels:
        raise ContentError("push.no_channels")
    limits = await length_limits(tx, setup)
    networks = list(targets.networks)
    if targets.any_rooms or targets.channels:
        networks += [n for n in (Network.TELEGRAM, Network.DISCORD) if n in setup.checked_networks]
    found = over_limits(content, dict.fromkeys(networks), limits)
    if found:
        raise too_long_error(found, content)


async def check_rooms(
    tx: Tx,
    setup: PushSetup,
    content: Content,
    targets: Targets,
    aliases: TagAliases,
    lang: str | None = None,
) -> None:
    """Every tag named, and the content's own scope when its rooms are asked for, has a
    linked room: a push that would reach no room there is refused now, not found out later."""
    if not targets.any_rooms:
        return
    rooms = [room for room in await tx.rooms.all() if room.platform in setup.limits]
    missing = targets.tags_without_rooms((room.tags for room in rooms), aliases)
    if missing:
        known = sorted({f"#{tag}" for room in rooms for tag in room.tags})
        raise ContentError(
            "push.tag_no_room",
            tags=" ".join(f"#{tag}" for tag in missing),
            known=" ".join(known[:20]) or text(
                pick_lang(lang, setup.default_lang), "push.no_rooms_known"
            ),
        )
    if targets.rooms and not any(
        dataclasses.replace(targets, tags=()).reaches_room(content.scope, room.tags, aliases)
        for room in rooms
    ):
        raise ContentError(
            "push.no_room_in_scope",
            id=content.short_id,
            scope=" ".join(f"#{tag}" for tag in content.scope) or "#national",
        )


async def schedule_push(
    tx: Tx,
    setup: PushSetup,
    content_id: int,
    request: PushRequest,
    actor: Actor,
    aliases: TagAliases,
    now: float,
) -> Push:
    content = await load_content(tx, content_id)
    if content.status is not ContentStatus.APPROVED:
        raise ContentError(f"push.content_{content.status.value}", id=content.short_id)
    scope = touched_scope(setup, content, request.targets)
    if not coordinates(actor.member, scope, aliases):
        raise Refused("push.refused", id=content.short_id, scope=" ".join(f"#{t}" for t in scope))
    await check_targets(tx, setup, content, request.targets)
    await check_rooms(tx, setup, content, request.targets, aliases, actor.lang)
    if Network.X in request.targets.networks:
        planned = occurrences(request.rule, request.first_at, setup.zone)
        overflow = await x_quota(tx, setup, planned, now)
        if overflow is not None:
            raise ContentError(
                "push.x_quota",
                count=overflow.count,
                quota=setup.settings.x.daily_quota,
                at=overflow.at,
            )
    push = await tx.pushes.create(
        content_id=content.id,
        targets=request.targets,
        rule=request.rule,
        first_at=request.first_at,
        created_by=actor.member.id,
        created_name=actor.member.display_name,
        origin=actor.where or content_origin(content),
        lang=actor.lang,
        now=now,
    )
    await schedule(tx, SEND, push.subject, request.first_at, {"push": push.id, "number": 0})
    return push


async def push_to_change(
    tx: Tx, setup: PushSetup, push_id: int, actor: Actor, aliases: TagAliases
) -> tuple[Push, Content]:
    """A push not cancelled, with its content, that `actor` may change: its author, or a
    coordinator of everything it touches."""
    push = await load_push(tx, push_id)
    if push.status is PushStatus.CANCELLED:
        raise ContentError("push.already_cancelled", id=push.short_id)
    content = await load_content(tx, push.content_id)
    if actor.member.id != push.created_by and not coordinates(
        actor.member, touched_scope(setup, content, push.targets), aliases
    ):
        raise Refused("push.unpush_refused", id=push.short_id)
    return push, content


@dataclass(frozen=True, slots=True)
class Unpushed:
    push: Push
    rooms_stopped: int
    posts_stopped: int
    already: tuple[tuple[Network, TargetState, str | None], ...] = field(default=())
    """Posts already made (or on their way): they cannot be taken back from here."""
    rooms_out: int = 0
    """Room and channel copies delivered (or some of their parts)."""
    rooms_sending: int = 0
    """Room and channel copies whose send had started: they go out, the others never do."""
    held_dropped: int = 0
    kits_out: int = 0
    """Share kits already out (or on their way): their share tasks stay with their holders;
    the kits stopped never go and their tasks are dropped."""


async def unpush(
    tx: Tx, setup: PushSetup, push_id: int, actor: Actor, aliases: TagAliases, now: float
) -> Unpushed:
    """Cancel a push: nothing of it starts after this commits.

    Its timers are cancelled in this transaction, and so are its posts and room
    copies still waiting, claimed copies included: a delivery worker asks for the
    go-ahead of each before its send, so each copy is either stopped here or was
    already on its way, and the answer counts which (`bot.domain.stoppable`). The
    sender marks a post `sending` in a transaction of its own before calling the
    network, so each post too is either stopped here or already on its way.
    """
    push, _ = await push_to_change(tx, setup, push_id, actor, aliases)
    await cancel(tx, subject=push.subject)
    await tx.pushes.cancel(push.id, actor.member.display_name, now)
    held = await tx.pushes.drop_held(push.id)
    posts = await tx.pushes.cancel_queued(push.id, now)
    rooms = 0
    out = 0
    sending = 0
    kits_out = 0
    for run in await tx.pushes.runs(push.id):
        rooms += await tx.pushes.skip_pending_copies(run.subject)
        sent, started = await tx.pushes.copies_out(run.subject)
        out += sent
        sending += started
        stopped_tasks, kits = await tx.pushes.stop_kits(run.id, run.kits_prefix)
        kits_out += kits
        await _drop_share_tasks(tx, stopped_tasks, actor, push, now)
    already = tuple(
        (t.network, t.state, t.url)
        for t in await tx.pushes.targets_of_push(push.id)
        if t.state in (TargetState.SENDING, TargetState.SENT, TargetState.UNKNOWN)
    )
    fresh = await load_push(tx, push.id)
    return Unpushed(fresh, rooms, posts, already, out, sending, held, kits_out)


async def _drop_share_tasks(
    tx: Tx, task_ids: list[int], actor: Actor, push: Push, now: float
) -> None:
    """The share tasks of kits that never went: nobody was asked, nobody is chased."""
    for task_id in await tx.tasks.drop_unfinished(task_ids, now):
        task = await tx.tasks.get(task_id)
        if task is not None:
            await deadlines.stop_all(tx, task)
        await tx.tasks.add_event(
            task_id, TaskEventKind.DROPPED, actor.member.id, actor.member.display_name, now,
            push.short_id,
        )  # fmt: skip


def social_networks(targets: Targets) -> list[Network]:
    return [n for n in SOCIAL_NETWORKS if n in targets.networks]


def hold_buttons(push: Push, lang: str) -> tuple[Button, ...]:
    from bot.i18n import text

    return (
        Button(text(lang, "push.button.now"), f"/push {push.short_id} now"),
        Button(text(lang, "push.button.cancel"), f"/unpush {push.short_id}"),
    )
