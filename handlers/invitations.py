"""`invite [n] [tags]`: single-use codes that admit at once, with the inviter as sponsor."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands import Context, Number, Router, Tags
from bot.domain import Counted, OutgoingMessage, Role, Span
from bot.domain.membership import code_digest, new_invite_code
from bot.domain.rights import invite_allowance, invite_scopes, invite_tags_refused
from bot.domain.scopes import scope_matches
from handlers import admission

router = Router("invitations")

MAX_PER_COMMAND = 50
MAX_OPEN = 200
"""Open codes anyone may hold at once, coordinators included: a code is a way in, and a
thousand of them leaked from one account is a flood no one vets."""
DAY = 86400.0


@router.command(
    "invite",
    aliases=("inviter",),
    args=(Number("n", optional=True, maximum=MAX_PER_COMMAND), Tags("tags")),
    role=Role.MEMBER,
    summary=("Inviter des personnes (codes à usage unique)", "Invite people (single-use codes)"),
    usage=("invite [nombre] [tags…]", "invite [number] [tags…]"),
    details=(
        "Chaque code fait entrer une personne tout de suite, abonnée aux tags donnés, et vous "
        "en êtes le parrain ou la marraine. Les codes vous sont envoyés en privé ; ils expirent "
        "au bout de quelques jours.",
        "Each code admits one person at once, subscribed to the given tags, with you as their "
        "sponsor. The codes are sent to you privately; they expire after a few days.",
    ),
)
async def invite(ctx: Context, n: int | None, tags: tuple[str, ...]) -> None:
    settings = ctx.settings.members
    wanted = n or 1
    now = time.time()
    in_use = await ctx.tx.invitations.in_use(ctx.member.id, now)
    allowance = invite_allowance(ctx.member.grants, settings.invites_per_member, in_use)
    if allowance is not None and wanted > allowance:
        await ctx.refuse(
            "invite", "invite.cap", detail=f"{wanted} > {allowance}",
            people=Counted("count.people", allowance), cap=settings.invites_per_member,
        )
    already_open = await ctx.tx.invitations.open_count(ctx.member.id, now)
    if already_open + wanted > MAX_OPEN:
        await ctx.refuse("invite", "invite.too_many_open", detail=f"{already_open} open",
                         open=already_open, max=MAX_OPEN)  # fmt: skip
    outside = invite_tags_refused(ctx.member, tags, ctx.aliases)
    if outside:
        mine = invite_scopes(ctx.member, ctx.aliases) or ()
        shown = " ".join(f"#{t}" for t in outside)
        if mine:
            await ctx.refuse("invite", "invite.out_of_scope", detail=f"outside {shown}",
                             scopes=" ".join(f"#{t}" for t in mine), tags=shown)  # fmt: skip
        await ctx.refuse("invite", "invite.no_scope_yet", detail=f"outside {shown}", tags=shown)
    defaulted = (
        not tags and bool(ctx.member.scope) and invite_scopes(ctx.member, ctx.aliases) is not None
    )
    if defaulted:
        tags = ctx.member.scope  # the invitees come in where their sponsor did
    destination = admission.private_destination(ctx, "invite.dm_first")
    codes = [new_invite_code() for _ in range(wanted)]
    expires_at = now + settings.invite_days * DAY
    await ctx.tx.invitations.create(
        ctx.member.id, [code_digest(c) for c in codes], tags, expires_at=expires_at
    )
    await ctx.audit("invite", "done", f"{wanted} {' '.join(tags)}".strip())
    lines = [
        ctx.t(
            "invite.header",
            invitations=Counted("count.invitations", wanted),
            until=_date(ctx, expires_at),
            tags=" ".join(f"#{t}" for t in tags) or ctx.t("invite.no_tags"),
        )
    ]
    prefix = ctx.limits.command_prefix
    for code in codes:
        link = ctx.dm_link_on("telegram", code)
        lines.append(
            ctx.t("invite.line_link", prefix=prefix, code=code, link=link)
            if link
            else ctx.t("invite.line", prefix=prefix, code=code)
        )
    lines.append(ctx.t("invite.footer"))
    body = OutgoingMessage((Span("\n".join(lines)),))
    await ctx.send_secret(destination, body)
    if destination != ctx.origin:
        await ctx.reply("invite.sent_privately", codes=Counted("count.invite_codes", wanted))
    if defaulted:
        await ctx.reply("invite.scope_default", tags=" ".join(f"#{t}" for t in tags))
    rooms = await ctx.tx.rooms.all()
    unused = [t for t in tags if not any(scope_matches((t,), r.tags, ctx.aliases) for r in rooms)]
    if unused:
        await ctx.reply("invite.unused_tags", tags=" ".join(f"#{t}" for t in unused),
                        prefix=ctx.limits.command_prefix)  # fmt: skip


def _date(ctx: Context, moment: float) -> str:
    return datetime.fromtimestamp(moment, ZoneInfo(ctx.network.timezone)).strftime("%d/%m %H:%M")
