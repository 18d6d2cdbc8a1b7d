"""Opt-in roles per scope, for platforms where subscribers are notified in rooms.

Some platforms forbid unsolicited mass DMs (Discord): there, members follow a
scope by taking a role, and the alert posted to a room mentions the role of
each matching scope. `rolemap #tag <role>` says which role stands for a tag on
the platform where it is typed; the wording stays platform-neutral, the effect
exists only where `PlatformLimits.notify_by_dm` is false.
"""

from __future__ import annotations

import re

from bot.commands import Choice, Context, Router, UserError, Word
from bot.domain import InvalidTag, Role, normalize_tag
from bot.domain.rights import may_redefine_scopes

router = Router("rolemap")

_REMOVE = {"rm": "rm", "remove": "rm", "del": "rm", "retirer": "rm", "supprimer": "rm", "-": "rm"}
_ROLE_MENTION = re.compile(r"^<@&(\d{1,20})>$")
_ROLE_ID = re.compile(r"^\d{1,20}$")


def parse_role(raw: str) -> str | None:
    """A role as the chat writes a mention of it (`<@&123>`), or its numeric id."""
    mention = _ROLE_MENTION.match(raw)
    if mention:
        return mention.group(1)
    return raw if _ROLE_ID.match(raw) else None


def _tag(raw: str) -> str:
    try:
        return normalize_tag(raw)
    except InvalidTag:
        raise UserError("args.bad_tag", value=raw[:64]) from None


@router.command(
    "rolemap",
    aliases=("rolealerte",),
    args=(
        Choice("action", optional=True, choices=_REMOVE),
        Word("tag", optional=True),
        Word("role", optional=True),
    ),
    role=Role.ADMIN,
    summary=(
        "Associer un rôle d'abonnement à un tag",
        "Map a subscriber role to a scope tag",
    ),
    usage=("rolemap [#tag @rôle | rm #tag]", "rolemap [#tag @role | rm #tag]"),
    details=(
        "Là où le bot n'envoie pas d'alertes en privé (Discord), les membres prennent le rôle "
        "d'un périmètre et les alertes de ce périmètre mentionnent ce rôle. Sans argument : "
        "la liste.",
        "Where the bot does not send alerts privately (Discord), members take a scope's role "
        "and that scope's alerts mention the role. Without arguments: the list.",
    ),
)
async def rolemap(ctx: Context, action: str | None, tag: str | None, role: str | None) -> None:
    platform = ctx.message.platform
    if ctx.limits.notify_by_dm:
        raise UserError("rolemap.not_here")
    if (action == "rm" or tag is not None) and not may_redefine_scopes(
        ctx.member.grants, ctx.aliases
    ):
        # Who is pinged for a scope is the network's business, as what a tag means is.
        await ctx.refuse(
            "rolemap", "scopes.network_admin_only", detail=tag or "rm", command="rolemap"
        )
    if action == "rm":
        if tag is None or role is not None:
            raise UserError("rolemap.rm_one")
        canonical = _tag(tag)
        if not await ctx.tx.scope_roles.remove(platform, canonical):
            raise UserError("rolemap.unknown", tag=canonical)
        await ctx.audit("rolemap", "done", f"rm {canonical}")
        await ctx.reply("rolemap.removed", tag=canonical)
        return
    if tag is None:
        mapping = await ctx.tx.scope_roles.all(platform)
        if not mapping:
            await ctx.reply("rolemap.none")
            return
        lines = [ctx.t("rolemap.header")]
        lines += [ctx.t("rolemap.line", tag=t, role=r) for t, r in mapping.items()]
        await ctx.reply_text("\n".join(lines))
        return
    canonical = _tag(tag)
    role_id = parse_role(role) if role is not None else None
    if role_id is None:
        raise UserError("rolemap.bad_role", value=(role or "")[:40])
    await ctx.tx.scope_roles.set(platform, canonical, role_id)
    await ctx.audit("rolemap", "done", f"{canonical}={role_id}")
    await ctx.reply("rolemap.set", tag=canonical, role=role_id)
