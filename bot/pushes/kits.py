"""Share kits: at push time, each amplifier gets privately what to post on their accounts.

Who: members who `subscribe share` (for content in a scope they belong to)
and members who pressed "I'll share" on this push. What: the text for X, for
Mastodon and for Bluesky (each within its limit, ready to copy), their own
link where the short-link store gives one, the clip, and a `share` task
assigned to them, so that `done T12 <url of the share>` counts the share.
"""

from __future__ import annotations

import logging

from bot.archive.cards import render_video
from bot.domain.clips import Clip, ClipStatus
from bot.domain.content import SOCIAL_NETWORKS, Content, measure
from bot.domain.members import Member
from bot.domain.messages import Button, OutgoingMessage, Span, Style, TargetKind
from bot.domain.pushes import Push, PushRun
from bot.domain.scopes import scope_matches
from bot.domain.tasks import TaskEventKind, TaskKind, member_scopes
from bot.i18n import pick_lang, spans, text
from bot.pushes.decisions import push_origin
from bot.pushes.links import share_link_for
from bot.pushes.setup import PushSetup, length_limits
from bot.store.outbox import Priority
from bot.store.transaction import Tx
from bot.tasks.changes import dm_target
from bot.tasks.setup import TaskSetup

log = logging.getLogger(__name__)

MAX_KITS_PER_RUN = 5_000


def kit_subject(run: PushRun, member_id: int) -> str:
    return f"{run.kits_prefix}{member_id}"


async def recipients(tx: Tx, push: Push, content: Content) -> list[Member]:
    """Share subscribers in the content's scope, and this push's volunteers, each once."""
    aliases = await tx.tags.aliases()
    chosen: dict[int, Member] = {}
    for member_id in await tx.pushes.sharers(push.id):
        member = await tx.members.get(member_id)
        if member is not None and member.joined:
            chosen[member.id] = member
    for member_id in await tx.pushes.share_subscribers():
        if member_id in chosen or len(chosen) >= MAX_KITS_PER_RUN:
            continue
        member = await tx.members.get(member_id)
        if member is None or not member.joined:
            continue
        if scope_matches(content.scope, member_scopes(member), aliases):
            chosen[member.id] = member
    return list(chosen.values())


def render_kit(
    push: Push,
    content: Content,
    texts: list[tuple[str, str]],
    link: str | None,
    task_id: str | None,
    lang: str,
) -> OutgoingMessage:
    parts: list[Span] = [
        *spans(lang, "kit.header", id=push.short_id, content=content.short_id),
    ]
    for label, body in texts:
        parts += [Span("\n\n"), Span(label, Style.BOLD), Span("\n"), Span(body, Style.CODE)]
    if link:
        parts += [Span("\n\n"), *spans(lang, "kit.link", link=link)]
    buttons: tuple[Button, ...] = ()
    if task_id:
        parts += [Span("\n\n"), *spans(lang, "kit.done", task=task_id)]
        buttons = (Button(text(lang, "kit.done_button"), f"/done {task_id}"),)
    return OutgoingMessage(tuple(parts), buttons)


async def send_kit(
    tx: Tx,
    setup: PushSetup,
    push: Push,
    run: PushRun,
    content: Content,
    member: Member,
    clip: Clip | None,
    now: float,
) -> bool:
    """One member's kit for one run (once); False when they cannot be written to privately."""
    target = dm_target(member, TaskSetup(setup.settings, setup.limits))
    if target is None or target.kind is not TargetKind.USER:
        return False
    if member.id in await tx.pushes.kits_for_run(run.id):
        return False
    lang = pick_lang(member.lang, setup.default_lang)
    link = await share_link_for(tx, setup, push, content, member, now)
    limits = await length_limits(tx, setup)
    texts: list[tuple[str, str]] = []
    for network in SOCIAL_NETWORKS:
        body = content.text_for(network, link)
        if measure(network, body) <= limits[network]:
            texts.append((network.label, body))
    task = await tx.tasks.create(
        kind=TaskKind.SHARE,
        text=f"{content.short_id} ({push.short_id})",
        alert_id=None,
        scope=content.scope,
        created_by=push.created_by,
        creator_name=push.created_name,
        origin=push_origin(push),
        origin_label=push.short_id,
        due_at=None,
        now=now,
    )
    await tx.tasks.assign(task.id, member.id, member.display_name, target, now)
    await tx.tasks.add_event(
        task.id, TaskEventKind.ASSIGNED, member.id, member.display_name, now, push.short_id
    )
    await tx.pushes.add_kit(run.id, member.id, task.id, now)
    subject = kit_subject(run, member.id)
    kit = render_kit(push, content, texts, link or content.url, task.short_id, lang)
    await tx.outbox.enqueue(target, kit, Priority.PUSH, subject=subject, lang=lang)
    if clip is not None and clip.status is ClipStatus.DONE:
        video = render_video(clip, lang)
        limits_here = setup.limits.get(target.platform)
        if video is not None and limits_here is not None and limits_here.can_upload:
            await tx.outbox.enqueue(target, video, Priority.PUSH, subject=subject, lang=lang)
    return True
