"""Content: submit it, see the queue, approve, reject or edit it.

Any member submits (in the scope of the room, or of the #tags given); the
coordinators of that whole scope decide, with buttons on Telegram and
Discord. With `[push] four_eyes` (the default) nobody approves their own
content. The rules live in `bot.pushes.decisions`, shared with other fronts;
here: parse, call, answer, and audit every refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from bot.commands import Context, Id, Rest, Router, UserError
from bot.domain import Kind, Role
from bot.domain.content import (
    Content,
    ContentError,
    ContentStatus,
    measure,
    parse_edit,
    parse_submission,
)
from bot.domain.messages import Button, OutgoingMessage, Span
from bot.domain.scopes import is_network_wide
from bot.pushes import Actor, PushSetup, Refused
from bot.pushes import decisions as rules
from bot.pushes.setup import length_limits

router = Router("content")

QUEUE_LIMIT = 10
PREVIEW = 160
T = TypeVar("T")


def setup_of(ctx: Context) -> PushSetup:
    return PushSetup(ctx.settings, ctx.platforms)


def actor_of(ctx: Context) -> Actor:
    return Actor(ctx.member, ctx.origin, ctx.lang)


async def run_rule(ctx: Context, command: str, work: Awaitable[T]) -> T:
    """A rule's outcome, or its refusal answered (and audited when it is about rights)."""
    try:
        return await work
    except Refused as error:
        await ctx.audit(command, "refused", error.key)
        raise UserError(error.key, **error.params) from None
    except ContentError as error:
        raise UserError(error.key, **error.params) from None


def scope_text(ctx: Context, scope: tuple[str, ...]) -> str:
    return " ".join(f"#{t}" for t in scope) if scope else ctx.t("content.network")


def preview(text: str, limit: int = PREVIEW) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def decision_buttons(ctx: Context, content: Content) -> tuple[Button, ...]:
    return (
        Button(ctx.t("content.button.approve"), f"/approve {content.short_id}"),
        Button(ctx.t("content.button.reject"), f"/reject {content.short_id}"),
        Button(ctx.t("content.button.edit"), f"/edit {content.short_id}"),
    )


async def length_lines(ctx: Context, content: Content) -> list[str]:
    """`X : 312/280 — trop long` per network where the content may be published."""
    setup = setup_of(ctx)
    limits = await length_limits(ctx.tx, setup)
    lines: list[str] = []
    for network in setup.checked_networks:
        length = measure(network, content.text_for(network))
        key = "content.length_ok" if length <= limits[network] else "content.length_over"
        variant = ctx.t("content.variant_mark") if network in content.variants else ""
        lines.append(
            ctx.t(key, network=network.label, length=length, limit=limits[network], variant=variant)
        )
    return lines


async def describe(ctx: Context, content: Content, *, full: bool = False) -> str:
    clip = f" · K{content.clip_id}" if content.clip_id else ""
    head = ctx.t(
        "content.line",
        id=content.short_id,
        name=content.author_name,
        scope=scope_text(ctx, content.scope),
        status=ctx.t(f"content.status.{content.status.value}"),
        clip=clip,
    )
    lines = [head, content.text if full else preview(content.text)]
    if full:
        for network, text in content.variants.items():
            lines.append(ctx.t("content.variant_line", network=network.label, text=text))
        if content.reason:
            lines.append(ctx.t("content.reason_line", reason=content.reason))
    lengths = await length_lines(ctx, content)
    if lengths:
        lines.append(" · ".join(lengths))
    return "\n".join(lines)


def content_scope(ctx: Context, typed: tuple[str, ...]) -> tuple[str, ...]:
    """The #tags typed; else the room's scope; else (in private, in a network-wide room)
    the whole network."""
    if typed:
        return typed
    if ctx.room is not None and ctx.room.tags and not is_network_wide(ctx.room.tags, ctx.aliases):
        return ctx.room.tags
    return ()


@router.command(
    "submit",
    aliases=("soumettre", "proposer"),
    args=(Rest("text"),),
    role=Role.MEMBER,
    summary=("Proposer un contenu à publier", "Submit content to publish"),
    usage=("submit <texte> [lien] [K9] [#tags]", "submit <text> [link] [K9] [#tags]"),
    details=(
        "Les coordinateurs du périmètre (le salon, ou les #tags) le relisent dans /queue. "
        "K9 à la fin joint un clip archivé. Le contenu d'un coordinateur est approuvé "
        "d'office si [push] four_eyes = false.",
        "The coordinators of its scope (the room, or the #tags) review it in /queue. K9 at "
        "the end attaches an archived clip. A coordinator's content is approved at once "
        "when [push] four_eyes = false.",
    ),
)
async def submit(ctx: Context, text: str) -> None:
    try:
        draft = parse_submission(text)
    except ContentError as error:
        raise UserError(error.key, **error.params) from None
    scope = content_scope(ctx, draft.scope)
    created = await run_rule(
        ctx,
        "submit",
        rules.submit(ctx.tx, setup_of(ctx), draft, actor_of(ctx), scope, ctx.aliases, ctx.clock()),
    )
    if created.status is ContentStatus.APPROVED:
        await ctx.audit("submit", "done", f"{created.short_id} approved at submission")
        await ctx.reply("content.submitted_approved", id=created.short_id)
        return
    key = "content.submitted"
    if rules.coordinates(ctx.member, scope, ctx.aliases):
        key = "content.submitted_four_eyes"
    await ctx.reply(key, id=created.short_id, scope=scope_text(ctx, scope))


@router.command(
    "queue",
    aliases=("file", "attente", "arelire"),
    role=Role.COORDINATOR,
    summary=("Les contenus à relire", "Content waiting for review"),
    usage="queue",
    details=(
        "Les contenus en attente de votre périmètre, avec les boutons Approuver, Refuser, "
        "Modifier (ailleurs : approve C4, reject C4 raison, edit C4 texte).",
        "Waiting content of your scope, with the Approve, Reject, Edit buttons (elsewhere: "
        "approve C4, reject C4 reason, edit C4 text).",
    ),
)
async def queue(ctx: Context) -> None:
    waiting = [
        c
        for c in await ctx.tx.content.with_status(ContentStatus.PENDING, limit=500)
        if rules.coordinates(ctx.member, c.scope, ctx.aliases)
    ]
    if not waiting:
        await ctx.reply("content.queue_empty")
        return
    await ctx.reply("content.queue_header", n=len(waiting))
    for content in waiting[:QUEUE_LIMIT]:
        body = await describe(ctx, content)
        await ctx.reply_message(OutgoingMessage((Span(body),), decision_buttons(ctx, content)))
    if len(waiting) > QUEUE_LIMIT:
        await ctx.reply("content.queue_more", n=len(waiting) - QUEUE_LIMIT)


@router.command(
    "approve",
    aliases=("approuver", "valider"),
    args=(Id("content", kind=Kind.CONTENT),),
    role=Role.COORDINATOR,
    summary=("Approuver un contenu", "Approve content"),
    usage="approve C4",
    details=(
        "Chaque texte est vérifié contre la limite de chaque réseau configuré (X 280, "
        "Mastodon 500, Bluesky 300, Telegram 4096, Discord 2000) : trop long, c'est refusé "
        "avec le compte ; ajoutez une variante (edit C4 x: texte court).",
        "Each text is checked against each configured network's limit (X 280, Mastodon "
        "500, Bluesky 300, Telegram 4096, Discord 2000): too long is refused with the "
        "count; add a variant (edit C4 x: short text).",
    ),
)
async def approve(ctx: Context, content: int) -> None:
    decided = await run_rule(
        ctx,
        "approve",
        rules.approve(ctx.tx, setup_of(ctx), content, actor_of(ctx), ctx.aliases, ctx.clock()),
    )
    await ctx.audit("approve", "done", decided.short_id)
    await ctx.reply("content.approved", id=decided.short_id)


@router.command(
    "reject",
    aliases=("rejeter", "écarter", "ecarter"),
    args=(Id("content", kind=Kind.CONTENT), Rest("reason", optional=True)),
    role=Role.COORDINATOR,
    summary=("Refuser un contenu (avec la raison)", "Reject content (with the reason)"),
    usage=("reject C4 [raison]", "reject C4 [reason]"),
)
async def reject(ctx: Context, content: int, reason: str | None) -> None:
    decided = await run_rule(
        ctx,
        "reject",
        rules.reject(
            ctx.tx, setup_of(ctx), content, actor_of(ctx), reason, ctx.aliases, ctx.clock()
        ),
    )
    await ctx.audit("reject", "done", decided.short_id)
    await ctx.reply("content.rejected", id=decided.short_id)


@router.command(
    "edit",
    aliases=("modifier", "corriger"),
    args=(Id("content", kind=Kind.CONTENT), Rest("text", optional=True)),
    role=Role.MEMBER,
    summary=(
        "Voir ou modifier un contenu, ou sa variante pour un réseau",
        "Show or change content, or its variant for one network",
    ),
    usage=("edit C4 [x:|mastodon:|bluesky:] [texte]", "edit C4 [x:|mastodon:|bluesky:] [text]"),
    details=(
        "Sans texte : le contenu, ses variantes et leur longueur par réseau. « edit C4 x: "
        "texte court » donne à X son propre texte (« x: - » le retire). L'auteur peut le "
        "modifier tant qu'il attend, un coordinateur à tout moment (avec four_eyes, un "
        "contenu approuvé puis modifié revient dans la file).",
        'Without text: the content, its variants and their length per network. "edit C4 '
        'x: short text" gives X its own text ("x: -" removes it). The author can edit it '
        "while it waits, a coordinator at any time (with four_eyes, approved content that "
        "is edited goes back to the queue).",
    ),
)
async def edit(ctx: Context, content: int, text: str | None) -> None:
    if text is None:
        try:
            found = await rules.load_content(ctx.tx, content)
        except ContentError as error:
            raise UserError(error.key, **error.params) from None
        body = await describe(ctx, found, full=True)
        hint = ctx.t("content.edit_hint", id=found.short_id)
        buttons: tuple[Button, ...] = ()
        if found.status is ContentStatus.PENDING and rules.coordinates(
            ctx.member, found.scope, ctx.aliases
        ):
            buttons = decision_buttons(ctx, found)[:2]
        await ctx.reply_message(OutgoingMessage((Span(f"{body}\n{hint}"),), buttons))
        return
    try:
        request = parse_edit(text)
    except ContentError as error:
        raise UserError(error.key, **error.params) from None
    edited = await run_rule(
        ctx,
        "edit",
        rules.edit(
            ctx.tx, setup_of(ctx), content, actor_of(ctx), request, ctx.aliases, ctx.clock()
        ),
    )
    fresh = edited.content
    if request.network is not None:
        key = "content.variant_set" if request.text else "content.variant_removed"
        await ctx.reply(key, id=fresh.short_id, network=request.network.label)
    else:
        await ctx.reply("content.edited", id=fresh.short_id)
    if edited.reopened:
        await ctx.reply("content.reopened", id=fresh.short_id)
    if edited.too_long:
        details = ", ".join(f"{t.network.label} {t.length}/{t.limit}" for t in edited.too_long)
        await ctx.reply(
            "content.edit_too_long",
            id=fresh.short_id,
            details=details,
            network=edited.too_long[0].network.value,
        )
