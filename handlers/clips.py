"""Clips: `clip [A17] URL [range]`, `clip retry K9`, `clips [words]`.

The handler only checks and records: the job row and the reply that will be
edited with the progress are committed together, and the archive service
does the download. Nothing here touches the network.

A clip's scope is its alert's (`clip A17 …`), else the tags of the room it
was asked in: `clip retry` is for the member who asked, or a coordinator of
that scope, and the retried clip counts in the retrier's queue.
"""

from __future__ import annotations

from bot.archive.cards import render_card, render_line, render_queued
from bot.archive.storage import is_intact
from bot.archive.url_policy import UrlRefused, check_url
from bot.commands import Context, Rest, Router, UserError
from bot.domain import Counted, Kind, Role, Span, parse_short_id
from bot.domain.alerts import Alert
from bot.domain.clips import Clip, ClipStatus
from bot.domain.messages import OutgoingMessage
from bot.domain.ranges import RangeError, check_length, parse_range
from bot.domain.rights import may_attach_clip
from bot.domain.tasks import Task
from bot.domain.web_urls import clip_url
from bot.store import Priority
from handlers.alerts import load_visible
from handlers.tasks import attach_clip, hold_for_clip, own_clip_tasks

router = Router("clips")

LIST_LIMIT = 10
_RETRY = ("retry", "relancer", "réessayer")


async def _task_claimers(ctx: Context, alert: Alert) -> frozenset[int]:
    """Members who hold one of the alert's tasks or finished one they held: they may
    attach clips to it. The rule itself is `may_attach_clip`."""
    return await ctx.tx.tasks.claimers_for_alert(alert.id)


async def _may_attach(ctx: Context, alert: Alert) -> bool:
    return may_attach_clip(
        ctx.member.id,
        ctx.member.grants,
        alert.author_member_id,
        alert.scope,
        ctx.aliases,
        await _task_claimers(ctx, alert),
    )


async def _scope(ctx: Context, clip: Clip) -> tuple[str, ...]:
    """The alert's tags, else the tags of the room it was asked in; none: network-wide."""
    if clip.alert_id is not None:
        alert = await ctx.tx.alerts.get(clip.alert_id)
        if alert is not None:
            return alert.scope
    if not clip.origin_private:
        room = await ctx.tx.rooms.get(clip.origin_platform, clip.origin_chat_id)
        if room is not None:
            return room.tags
    return ()


def _check_queue(ctx: Context, pending: int) -> None:
    limit = ctx.settings.archive.max_queued_per_member
    if pending >= limit:
        raise UserError("clip.too_many", clips=Counted("count.clips_waiting", limit))


async def _retry(ctx: Context, words: list[str]) -> None:
    parsed = parse_short_id(words[0], Kind.CLIP) if words else None
    if parsed is None or len(words) != 1:
        raise UserError("clip.retry_usage")
    clip = await ctx.tx.clips.get(parsed.number)
    if clip is None:
        raise UserError("clip.not_found", id=str(parsed))
    if clip.requested_by != ctx.member.id and not ctx.has_role(
        Role.COORDINATOR, await _scope(ctx, clip)
    ):
        await ctx.audit("clip retry", "refused", clip.short_id)
        raise UserError("clip.retry_refused", id=clip.short_id)
    if clip.status is ClipStatus.EXPIRED:
        raise UserError("clip.retry_expired", id=clip.short_id)
    if clip.status is not ClipStatus.FAILED:
        raise UserError("clip.not_failed", id=clip.short_id)
    _check_queue(ctx, await ctx.tx.clips.pending_for_member(ctx.member.id))
    await ctx.tx.clips.retry(clip.id, ctx.member.id)
    outbox_id = await ctx.send(
        ctx.origin,
        render_queued(clip, ctx.lang, ctx.settings.archive.max_section),
        Priority.REPLY,
        subject=f"clip:{clip.id}",
    )
    await ctx.tx.clips.set_progress_message(clip.id, outbox_id)


@router.command(
    "clip",
    aliases=("extrait",),
    args=(Rest("request"),),
    role=Role.MEMBER,
    summary=(
        "Archiver un extrait vidéo (replay, direct)",
        "Archive a video clip (replay, live stream)",
    ),
    usage=(
        "clip [A17|T5] <url> [de 12:30 à 13:10 | 12:30-13:10 | de 1:02:30 | +40s]",
        "clip [A17|T5] <url> [from 12:30 to 13:10 | 12:30-13:10 | from 1:02:30 | +40s]",
    ),
    details=(
        "La réponse donne l'identifiant (K9) et se met à jour pendant le téléchargement. "
        "Le même lien avec la même plage répond tout de suite avec l'extrait existant. "
        "Sans fin (« de 1:02:30 »), l'extrait s'arrête à la durée maximale d'un clip ; "
        "un direct demande une fin. Un échec se relance avec « clip retry K9 » (par qui "
        "l'a demandé, ou un coordinateur). Avec une alerte (A17), le clip y est rattaché si "
        "vous en êtes l'auteur, un coordinateur de son périmètre ou le preneur d'une de ses "
        "tâches. Avec une tâche de clip (T5), vous la prenez, et elle est faite dès que le "
        "clip est archivé.",
        "The answer gives the id (K9) and updates itself while downloading. The same link "
        "with the same range answers at once with the existing clip. Without an end "
        '("from 1:02:30") the clip stops at the longest length allowed; a live stream needs '
        'an end. A failure is retried with "clip retry K9" (by whoever asked, or a '
        "coordinator). With an alert (A17), the clip is attached to it if you raised it, "
        "coordinate its scope or hold one of its tasks. With a clip task (T5), you take it, "
        "and it is done as soon as the clip is archived.",
    ),
)
async def clip(ctx: Context, request: str) -> None:
    settings = ctx.settings.archive
    words = request.split()
    if words and words[0].casefold() in _RETRY:
        await _retry(ctx, words[1:])
        return
    alert_id: int | None = None
    task: Task | None = None
    refused_alert: str | None = None
    if words:
        attached = parse_short_id(words[0])
        if attached is not None and attached.kind is Kind.TASK:
            # The member takes the clip task (a coordinator of its scope may add to someone
            # else's); the clip joins the task's alert and completes the task.
            task = await hold_for_clip(ctx, attached.number)
            alert_id = task.alert_id
            words = words[1:]
        elif attached is not None and attached.kind is Kind.ALERT:
            target = await load_visible(ctx, attached.number, "clip")
            if await _may_attach(ctx, target):
                alert_id = target.id
                # The holder of one of its clip tasks: the clip is for that task.
                task = next(iter(await own_clip_tasks(ctx, target.id)), None)
            else:
                # Archived all the same, but its card will not go to the alert's rooms.
                refused_alert = target.short_id
                await ctx.audit("clip", "refused", f"attach to {target.short_id}")
            words = words[1:]
        elif attached is not None:
            raise UserError("clip.bad_attach", id=str(attached))
    if not words:
        raise UserError("clip.no_url")
    try:
        url = check_url(
            words[0],
            allow_private=settings.allow_private_urls,
            trusted_hosts=settings.trusted_hosts,
        )
        clip_range = parse_range(" ".join(words[1:]))
        check_length(clip_range, settings.max_section)
    except (UrlRefused, RangeError) as error:
        raise UserError(error.key, **error.params) from None
    same = await ctx.tx.clips.find_same(url, clip_range)
    if same is not None and same.status is ClipStatus.DONE and not is_intact(same.path, same.size):
        # Deleted from the disk behind our back: the row says so now, and it is fetched again.
        await ctx.tx.clips.expire_files([same.sha256 or ""])
        same = None
    if same is not None:
        if same.status is ClipStatus.DONE:
            await ctx.reply("clip.exists", id=same.short_id)
            link = None
            if ctx.settings.web.enabled:
                token = await ctx.tx.clip_files.token_for(same.id)
                link = clip_url(ctx.settings.web.base_url, token)
            await ctx.reply_message(render_card(same, ctx.lang, settings.dir, link))
        else:
            await ctx.reply("clip.in_progress", id=same.short_id)
        if task is not None:
            await attach_clip(ctx, task, same)
        return
    _check_queue(ctx, await ctx.tx.clips.pending_for_member(ctx.member.id))
    created = await ctx.tx.clips.create(
        url,
        clip_range,
        requested_by=ctx.member.id,
        requester_name=ctx.member.display_name,
        origin_platform=ctx.message.platform,
        origin_chat_id=ctx.origin.address,
        origin_private=ctx.message.is_private,
        lang=ctx.lang,
        alert_id=alert_id,
    )
    outbox_id = await ctx.send(
        ctx.origin,
        render_queued(created, ctx.lang, settings.max_section),
        Priority.REPLY,
        subject=f"clip:{created.id}",
    )
    await ctx.tx.clips.set_progress_message(created.id, outbox_id)
    if task is not None:
        await attach_clip(ctx, task, created)
    if refused_alert is not None:
        await ctx.reply("clip.not_attached", id=created.short_id, alert=refused_alert)


@router.command(
    "clips",
    aliases=("extraits",),
    args=(Rest("words", optional=True),),
    role=Role.MEMBER,
    summary=("Chercher dans les extraits archivés", "Search archived clips"),
    usage=("clips [mots]", "clips [words]"),
)
async def clips(ctx: Context, words: str | None) -> None:
    terms = (words or "").split()[:8]
    found = await ctx.tx.clips.search(terms, LIST_LIMIT)
    if not found:
        await ctx.reply("clips.none" if not terms else "clips.no_match")
        return
    header = ctx.t("clips.header") if not terms else ctx.t("clips.header_search")
    lines: list[Span] = [Span(header)]
    for item in found:
        lines.append(Span("\n"))
        lines.append(render_line(item, ctx.lang))
    if len(found) == LIST_LIMIT:
        total = await ctx.tx.clips.search_count(terms)
        if total > len(found):
            more = Counted("count.more", total - len(found))
            lines.append(Span("\n" + ctx.t("clips.more", more=more,
                                             prefix=ctx.limits.command_prefix)))  # fmt: skip
    await ctx.reply_message(OutgoingMessage(tuple(lines)))
