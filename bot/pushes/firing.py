"""A push's run, in the transaction of its timer: every copy and post promised at once.

Rooms and channels get outbox rows (at push priority: alerts overtake them);
each social account gets a queued post that the sender makes after this
commits; share kits go out privately. A run whose time passed while the bot
was down is sent if it is at most `[push] grace` late, else held: nothing
goes out and the room it was scheduled from is asked what to do.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.archive.cards import render_video
from bot.domain.clips import Clip, ClipStatus
from bot.domain.content import Content, ContentError, ContentStatus, Network, measure
from bot.domain.durations import format_elapsed, format_local_time
from bot.domain.members import Member
from bot.domain.messages import Button, OutgoingMessage, Span, Target, TargetKind
from bot.domain.pushes import (
    Push,
    PushRun,
    PushStatus,
    RunStatus,
    TargetState,
    late_decision,
    next_run,
)
from bot.domain.tags import TagAliases
from bot.domain.timers import Firing
from bot.i18n import pick_lang, spans, text
from bot.pushes import kits, reports
from bot.pushes.decisions import (
    SEND,
    Actor,
    hold_buttons,
    load_content,
    load_push,
    push_origin,
    push_to_change,
    social_networks,
)
from bot.pushes.links import push_link_for
from bot.pushes.setup import PushSetup, length_limits, video_limits
from bot.scheduler import cancel, schedule
from bot.store.outbox import Priority
from bot.store.transaction import Tx

log = logging.getLogger(__name__)

ROOM_NETWORK = {"telegram": Network.TELEGRAM, "discord": Network.DISCORD}


async def on_send(tx: Tx, setup: PushSetup, firing: Firing) -> None:
    """The `push.send` timer: run number `number` of a push is due."""
    push = await tx.pushes.get(int(firing.timer.payload["push"]))
    if push is None or push.status is not PushStatus.SCHEDULED:
        return
    number = int(firing.timer.payload.get("number", push.runs_done))
    now = firing.now
    await plan_next(tx, setup, push, number, now)
    status = late_decision(firing.late_by, setup.settings.push.grace)
    run = await tx.pushes.add_run(
        push.id, number + 1, firing.timer.due_at, status, now, firing.late_by
    )
    if status is RunStatus.HELD:
        await ask(tx, setup, push, run, "push.held", now, late=format_elapsed(firing.late_by))
        return
    await fire(tx, setup, push, run, now)


async def on_report(tx: Tx, setup: PushSetup, firing: Firing) -> None:
    payload = firing.timer.payload
    await reports.check(tx, setup, int(payload["run"]), int(payload.get("attempt", 0)), firing.now)


async def plan_next(tx: Tx, setup: PushSetup, push: Push, number: int, now: float) -> None:
    """The next run's timer: the next time of the rule after now (runs missed while the bot
    was down are not made up), or none when the rule is used up."""
    following: float | None = None
    skipped = 0
    if push.rule.recurring and number + 1 < push.rule.count:
        moment = next_run(push.rule, max(now, push.first_at), setup.zone)
        index = number + 1
        # Runs whose time is already past are counted as skipped.
        while index < push.rule.count and moment <= now:
            moment = next_run(push.rule, moment, setup.zone)
            index += 1
            skipped += 1
        if index < push.rule.count:
            following = moment
            await schedule(tx, SEND, push.subject, moment, {"push": push.id, "number": index})
    await tx.pushes.advance(push.id, following, now)


async def ask(
    tx: Tx, setup: PushSetup, push: Push, run: PushRun, key: str, now: float, **params: object
) -> None:
    """A held run: the room it was scheduled from decides (`push P3 now` or `unpush P3`)."""
    lang = pick_lang(push.lang, setup.default_lang)
    content = await tx.content.get(push.content_id)
    body = spans(
        lang,
        key,
        id=push.short_id,
        content=content.short_id if content else "?",
        at=format_local_time(run.due_at, setup.settings.network.timezone, now),
        **params,
    )
    message = OutgoingMessage(body, hold_buttons(push, lang))
    await tx.outbox.enqueue(push_origin(push), message, Priority.REPLY, lang=lang)
    log.info("push %s run %d held (%s)", push.short_id, run.number, key)


async def fire(tx: Tx, setup: PushSetup, push: Push, run: PushRun, now: float) -> None:
    """Everything the run promises, written now; the posts are made once this commits."""
    content = await tx.content.get(push.content_id)
    if content is None or content.status is not ContentStatus.APPROVED:
        await tx.pushes.hold(run.id)
        await ask(tx, setup, push, run, "push.held_unapproved", now)
        return
    clip = await usable_clip(tx, content)
    await _to_rooms(tx, setup, push, run, content, clip, now)
    await _to_accounts(tx, setup, push, run, content, clip, now)
    sent = 0
    for member in await kits.recipients(tx, push, content):
        sent += await kits.send_kit(tx, setup, push, run, content, member, clip, now)
    log.info("push %s run %d fired (%d kits)", push.short_id, run.number, sent)
    await reports.plan_report(tx, run, now)


async def usable_clip(tx: Tx, content: Content) -> Clip | None:
    """The content's clip, when archived and its file still there (else posts go without)."""
    clip = await tx.clips.get(content.clip_id) if content.clip_id else None
    if clip is None or clip.status is not ClipStatus.DONE or clip.path is None:
        return None
    return clip if _on_disk(clip.path) else None


def _on_disk(path: str) -> bool:
    """A stat of a local file: quick enough for the loop, like the archive's own checks."""
    return Path(path).is_file()


def room_message(
    content: Content, push: Push, platform: str, link: str | None, lang: str, buttons: bool
) -> OutgoingMessage:
    body = content.text_for(ROOM_NETWORK.get(platform), link)
    shown: tuple[Button, ...] = ()
    if buttons:
        shown = (Button(text(lang, "push.share_button"), f"/share {push.short_id}"),)
    return OutgoingMessage((Span(body),), shown)


async def _to_rooms(
    tx: Tx,
    setup: PushSetup,
    push: Push,
    run: PushRun,
    content: Content,
    clip: Clip | None,
    now: float,
) -> None:
    aliases = await tx.tags.aliases()
    targets = push.targets
    lang_default = setup.default_lang
    chosen: dict[Target, str | None] = {}
    if targets.any_rooms:
        for room in await tx.rooms.all():
            if room.platform not in setup.limits or room.unreachable_reason:
                continue
            if targets.reaches_room(content.scope, room.tags, aliases):
                chosen[Target(room.platform, TargetKind.ROOM, room.chat_id)] = room.lang
    if targets.channels:
        for channel in setup.channels():
            chosen.setdefault(channel, None)
    video_rows: list[tuple[Target, OutgoingMessage, str | None]] = []
    rows: list[tuple[Target, OutgoingMessage, str | None]] = []
    links: dict[str, str | None] = {}
    for target, room_lang in chosen.items():
        if target.platform not in links:
            links[target.platform] = await push_link_for(
                tx, setup, push, content, target.platform, now
            )
        link = links[target.platform]
        lang = pick_lang(room_lang, lang_default)
        limits = setup.limits.get(target.platform)
        is_channel = target in setup.channels()
        buttons = not is_channel  # platforms without buttons leave them out
        rows.append(
            (target, room_message(content, push, target.platform, link, lang, buttons), lang)
        )
        if clip is not None and limits is not None and limits.can_upload:
            video = render_video(clip, lang)
            if video is not None:
                video_rows.append((target, video, lang))
    if rows:
        await tx.outbox.enqueue_many(rows, Priority.PUSH, subject=run.subject)
    if video_rows:
        await tx.outbox.enqueue_many(video_rows, Priority.PUSH, subject=f"{run.subject}:video")


async def _to_accounts(
    tx: Tx,
    setup: PushSetup,
    push: Push,
    run: PushRun,
    content: Content,
    clip: Clip | None,
    now: float,
) -> None:
    limits = await length_limits(tx, setup)
    videos = await video_limits(tx, setup)
    lang = pick_lang(push.lang, setup.default_lang)
    for network in social_networks(push.targets):
        link = await push_link_for(tx, setup, push, content, network.value, now)
        body = content.text_for(network, link)
        if network not in setup.accounts:
            reason = text(lang, "push.reason.not_configured")
            await tx.pushes.add_target(
                run, network, body, None, now, state=TargetState.FAILED, reason=reason
            )
            continue
        length = measure(network, body)
        if length > limits[network]:
            reason = text(lang, "push.reason.too_long", length=length, limit=limits[network])
            await tx.pushes.add_target(
                run, network, body, None, now, state=TargetState.FAILED, reason=reason
            )
            continue
        media: str | None = None
        note: str | None = None
        if clip is not None and clip.path is not None:
            size = clip.size or 0
            if size <= videos[network]:
                media = clip.path
            else:
                note = text(
                    lang,
                    "push.reason.clip_too_big",
                    size=size // 1_000_000,
                    limit=videos[network] // 1_000_000,
                )
        await tx.pushes.add_target(run, network, body, media, now, reason=note)


async def push_now(
    tx: Tx, setup: PushSetup, push_id: int, actor: Actor, aliases: TagAliases, now: float
) -> str:
    """`push P3 now`: a held run goes out, or the next run is moved to now. The i18n key
    of what happened."""
    push, content = await push_to_change(tx, setup, push_id, actor, aliases)
    held = await tx.pushes.held_run(push.id)
    if held is not None:
        if content.status is not ContentStatus.APPROVED:
            raise ContentError("push.content_pending", id=content.short_id)
        await tx.pushes.release_held(held.id, now)
        fresh = await tx.pushes.run(held.id)
        assert fresh is not None
        await fire(tx, setup, push, fresh, now)
        return "push.released"
    if push.status is PushStatus.SCHEDULED:
        await cancel(tx, subject=push.subject, kind=SEND)
        await schedule(tx, SEND, push.subject, now, {"push": push.id, "number": push.runs_done})
        return "push.moved_now"
    raise ContentError("push.finished", id=push.short_id, content=content.short_id)


async def volunteer(tx: Tx, setup: PushSetup, push_id: int, member: Member, now: float) -> str:
    """ "I'll share" on a push: a kit at its next run, or now if it already went out."""
    push = await load_push(tx, push_id)
    if push.status is PushStatus.CANCELLED:
        raise ContentError("push.already_cancelled", id=push.short_id)
    content = await load_content(tx, push.content_id)
    await tx.pushes.add_sharer(push.id, member.id, now)
    fired = [r for r in await tx.pushes.runs(push.id) if r.status is RunStatus.FIRED]
    if not fired:
        return "share.later"
    if member.id in await tx.pushes.kits_for_run(fired[-1].id):
        return "share.already"
    clip = await usable_clip(tx, content)
    if not await kits.send_kit(tx, setup, push, fired[-1], content, member, clip, now):
        return "share.no_dm"
    return "share.sent"
