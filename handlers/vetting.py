"""Deciding who is in: `accept`, `refuse`, `remove`, and `members` (pending, the cascade)."""

from __future__ import annotations

import time

from bot.commands import (
    Choice,
    Context,
    Handle,
    Id,
    Rest,
    Router,
    UsageError,
    UserError,
    clean_text,
)
from bot.domain import Counted, Kind, Member, OutgoingMessage, Role, format_id
from bot.domain.members import Standing
from bot.domain.membership import JoinRequest
from bot.domain.messages import platform_label
from bot.domain.rights import may_decide_request, removal_refusal
from bot.i18n import count, pick_lang, spans
from bot.store import Priority
from bot.tasks import Actor, TaskSetup, member_removed
from bot.tasks.changes import private_reach
from handlers import admission

router = Router("vetting")

PENDING_SHOWN = 20
MAX_REASON = 300
_SUBCOMMANDS = {
    "pending": "pending",
    "attente": "pending",
    "demandes": "pending",
    "tree": "tree",
    "arbre": "tree",
    "cascade": "tree",
}


def _reason(raw: str | None) -> str | None:
    """A reason given to the person: one plain line (no control or bidi characters, no
    line breaks forging lines of the bot's own), refused beyond `MAX_REASON` rather than
    cut mid-sentence."""
    note = " ".join(clean_text(raw or "").split())
    if len(note) > MAX_REASON:
        raise UserError("reason.too_long", length=len(note), limit=MAX_REASON)
    return note or None


async def _target(ctx: Context, member_id: int) -> tuple[Member, JoinRequest | None]:
    found = await ctx.tx.members.get(member_id)
    if found is None:
        raise UserError("member.not_found", who=format_id(Kind.MEMBER, member_id))
    return found, await ctx.tx.members.join_request(member_id)


async def _check_decider(ctx: Context, command: str, request: JoinRequest | None) -> None:
    scope = request.scope if request is not None else ()
    if not may_decide_request(ctx.member.grants, scope, ctx.aliases):
        shown = " ".join(f"#{t}" for t in scope) or ctx.t("scope.network")
        await ctx.refuse(command, "vetting.scope", detail=f"scope {shown}", scope=shown)


async def _tell(ctx: Context, target: Member, request: JoinRequest | None, key: str,
                **params: object) -> bool:
    """Tell the person, where they asked; False when that place is where we are answering."""
    if request is None:
        return False
    origin = admission.request_origin(request)
    room = None if request.private else await ctx.tx.rooms.get(origin.platform, origin.address)
    lang = pick_lang(target.lang, room.lang if room else None, ctx.network.lang)
    await ctx.send(origin, OutgoingMessage(spans(lang, key, **params)), Priority.REPLY, lang=lang)
    return origin != ctx.origin


@router.command(
    "accept",
    aliases=("accepter",),
    args=(Id("member", kind=Kind.MEMBER),),
    role=Role.COORDINATOR,
    summary=("Accepter une demande d'adhésion", "Accept a request to join"),
    usage="accept M7",
    details=(
        "Réservé aux coordinateurs du périmètre où la demande a été faite (une demande faite "
        "en privé : coordinateurs et admins du réseau). Vous devenez son parrain ou sa marraine.",
        "For the coordinators of the scope the request was made in (a request made in private: "
        "the network's coordinators and admins). You become their sponsor.",
    ),
)
async def accept(ctx: Context, member: int) -> None:
    target, request = await _target(ctx, member)
    if target.joined:
        await ctx.reply("accept.already", name=target.display_name, id=target.short_id)
        return
    if target.standing is Standing.UNKNOWN or request is None:
        raise UserError("vetting.no_request", id=target.short_id)
    await _check_decider(ctx, "accept", request)
    if not request.verified:
        raise UserError("accept.unverified", id=target.short_id)
    await ctx.tx.members.admit(
        target.id,
        request.platform,
        sponsor_id=ctx.member.id,
        scope=request.scope,
        decided_by=ctx.member.id,
    )
    await ctx.audit("accept", "done", target.short_id)
    await admission.close_notifications(
        ctx, target.id, "join.decided_accepted", name=target.display_name, id=target.short_id,
        by=ctx.member.display_name,
    )
    limits = ctx.platforms.get(request.platform) if request is not None else None
    prefix = limits.command_prefix if limits is not None else ctx.limits.command_prefix
    if request is not None and request.scope:
        elsewhere = await _tell(
            ctx, target, request, "join.accepted", name=target.display_name,
            id=target.short_id, by=ctx.member.display_name, prefix=prefix,
            tags=" ".join(request.scope),
        )  # fmt: skip
    else:
        elsewhere = await _tell(
            ctx, target, request, "join.accepted_no_tags", name=target.display_name,
            id=target.short_id, by=ctx.member.display_name, prefix=prefix,
        )  # fmt: skip
    if elsewhere:
        await ctx.reply("accept.done", name=target.display_name, id=target.short_id)


@router.command(
    "refuse",
    aliases=("refuser",),
    args=(Id("member", kind=Kind.MEMBER), Rest("reason", optional=True)),
    role=Role.COORDINATOR,
    summary=("Refuser une demande d'adhésion", "Refuse a request to join"),
    usage=("refuse M7 [raison]", "refuse M7 [reason]"),
    details=(
        "La personne reçoit la raison si vous en donnez une. Elle ne peut pas redemander : "
        "seul un coordinateur peut la faire entrer ensuite (accept M7).",
        "The person is given the reason if you give one. They cannot ask again: only a "
        "coordinator can let them in later (accept M7).",
    ),
)
async def refuse(ctx: Context, member: int, reason: str | None) -> None:
    target, request = await _target(ctx, member)
    if target.joined:
        raise UserError("refuse.member", id=target.short_id)
    if not target.is_pending:
        raise UserError("vetting.no_request", id=target.short_id)
    await _check_decider(ctx, "refuse", request)
    note = _reason(reason)
    await ctx.tx.members.close(target.id, Standing.REFUSED, ctx.member.id, note)
    await ctx.audit("refuse", "done", f"{target.short_id} {note or ''}".strip())
    await admission.close_notifications(
        ctx, target.id, "join.decided_refused", name=target.display_name, id=target.short_id,
        by=ctx.member.display_name,
    )
    if note:
        await _tell(ctx, target, request, "join.refused_reason", reason=note)
    else:
        await _tell(ctx, target, request, "join.refused")
    await ctx.reply("refuse.done", name=target.display_name, id=target.short_id)


@router.command(
    "remove",
    aliases=("exclure",),
    args=(Handle("member"), Rest("reason", optional=True)),
    role=Role.COORDINATOR,
    summary=("Mettre fin à l'adhésion de quelqu'un", "End someone's membership"),
    usage=("remove @pseudo [raison]", "remove @name [reason]"),
    details=(
        "Réservé aux coordinateurs du périmètre par lequel la personne est entrée (et aux admins "
        "pour qui a un rôle). Ses rôles et ses invitations non utilisées sont annulés ; les "
        "personnes qu'elle a fait entrer restent membres.",
        "For the coordinators of the scope the person came in through (and admins, for someone "
        "holding a role). Their roles and unused invitations are cancelled; the people they "
        "brought in stay members.",
    ),
)
async def remove(ctx: Context, member: str, reason: str | None) -> None:
    target = await ctx.find_member(member)
    config_admin = any(i.key in ctx.settings.admin_keys for i in target.identities)
    if not target.joined and not config_admin:
        raise UserError("remove.not_member", who=target.display_name, id=target.short_id)
    refusal = removal_refusal(ctx.member, target, ctx.aliases, target_is_config_admin=config_admin)
    if refusal is not None:
        await ctx.refuse("remove", refusal, detail=f"{target.short_id} {refusal}",
                         who=target.display_name, id=target.short_id)
    note = _reason(reason)
    await ctx.tx.members.close(target.id, Standing.REMOVED, ctx.member.id, note)
    # The person hears it from the bot, privately, in their language (never in a group).
    # The notice joins the outbox in this transaction, before the answer: once the admin
    # reads "told", the notice survives a crash.
    setup = TaskSetup(ctx.settings, ctx.platforms)
    reach = private_reach(target, setup)
    if reach.target is not None:
        lang = pick_lang(target.lang, ctx.network.lang)
        by = ctx.member.display_name
        told = (
            spans(lang, "remove.told_reason", by=by, reason=note)
            if note
            else spans(lang, "remove.told", by=by)
        )
        await ctx.send(reach.target, OutgoingMessage(told), Priority.REPLY, lang=lang)
    revoked = await ctx.tx.invitations.revoke_unused(target.id)
    await member_removed(ctx.tx, setup, target.id, Actor(ctx.member, ctx.origin), ctx.clock())
    untold = "" if reach.why_not is None else f" untold:{reach.why_not.value}"
    await ctx.audit("remove", "done", f"{target.short_id} {note or ''}".strip() + untold)
    key = "remove.done_told" if reach.why_not is None else f"remove.done_{reach.why_not.value}"
    codes = count(ctx.lang, "count.codes", revoked)
    if reach.platform is None:
        await ctx.reply(key, name=target.display_name, id=target.short_id, codes=codes)
    else:
        await ctx.reply(key, name=target.display_name, id=target.short_id, codes=codes,
                        platform=platform_label(reach.platform))  # fmt: skip


@router.command(
    "members",
    aliases=("membres",),
    args=(Choice("what", optional=True, choices=_SUBCOMMANDS), Handle("member", optional=True)),
    role=Role.COORDINATOR,
    summary=(
        "Les membres : demandes en attente, cascade des parrainages",
        "Members: pending requests, the cascade of who brought whom",
    ),
    usage=("members [pending | tree [@pseudo]]", "members [pending | tree [@name]]"),
    details=(
        "members pending : les demandes que vous pouvez accepter. members tree @x : combien de "
        "personnes x a fait entrer, niveau par niveau (sans @x : votre cascade).",
        "members pending: the requests you may accept. members tree @x: how many people x "
        "brought in, level by level (without @x: your own cascade).",
    ),
)
async def members(ctx: Context, what: str | None, member: str | None) -> None:
    if what == "tree":
        await _tree(ctx, member)
        return
    if member is not None:
        raise UsageError("args.unexpected", value=member[:40])
    if what == "pending":
        await _pending(ctx)
        return
    await ctx.reply(
        "members.summary",
        members=count(ctx.lang, "count.members", await ctx.tx.members.member_count()),
        requests=Counted("count.requests", await ctx.tx.members.pending_count()),
    )


async def _pending(ctx: Context) -> None:
    requests = await ctx.tx.members.pending(limit=500)
    mine = [r for r in requests if may_decide_request(ctx.member.grants, r.scope, ctx.aliases)]
    if not mine:
        await ctx.reply("pending.none", others=len(requests))
        return
    now = time.time()
    lines = [ctx.t("pending.header", requests=Counted("count.requests", len(mine)))]
    for request in mine[:PENDING_SHOWN]:
        where = await admission.describe_place(ctx, request)
        line = ctx.t(
            "pending.line",
            id=format_id(Kind.MEMBER, request.member_id),
            name=request.name,
            where=where,
            minutes=max(0, int((now - request.requested_at) // 60)),
        )
        if not request.verified:
            line += " " + ctx.t("pending.unverified")
        lines.append(line)
    if len(mine) > PENDING_SHOWN:
        lines.append(ctx.t("pending.more", more=Counted("count.more", len(mine) - PENDING_SHOWN)))
    first = format_id(Kind.MEMBER, mine[0].member_id)
    lines.append(ctx.t("pending.footer", prefix=ctx.limits.command_prefix, id=first))
    await ctx.reply_text("\n".join(lines))


async def _tree(ctx: Context, handle: str | None) -> None:
    root = ctx.member if handle is None else await ctx.find_member(handle)
    levels = await ctx.tx.members.cascade_levels(root.id)
    if not levels:
        await ctx.reply("tree.empty", name=root.display_name, id=root.short_id)
        return
    parts = [ctx.t("tree.level", level=i, n=n) for i, n in enumerate(levels, start=1)]
    await ctx.reply(
        "tree.summary",
        name=root.display_name,
        id=root.short_id,
        levels=" · ".join(parts),
        total=sum(levels),
    )
