"""Members: join, see yourself, roles, subscriptions, language.

Coming in (requests, codes) lives in `handlers.admission`; deciding on
requests and removing members in `handlers.vetting`; minting codes in
`handlers.invitations`.
"""

from __future__ import annotations

import time

from bot.commands import Choice, Context, Handle, Router, Tags, UserError, Word
from bot.domain import NATIONAL, Member, Role
from bot.domain.quiet import format_clock
from bot.domain.rights import invite_allowance, may_grant_role, may_manage_room
from bot.domain.roles import ROLE_NAMES
from bot.i18n import count
from handlers import admission, pushes
from handlers import identity as identity_commands
from handlers import privacy as privacy_commands

router = Router("members")

_ROLES = {name: role for name, role in ROLE_NAMES.items() if role > Role.GUEST}
_LANGS = {"fr": "fr", "francais": "fr", "français": "fr", "en": "en", "english": "en"}


def _tags_text(ctx: Context, tags: tuple[str, ...]) -> str:
    return " ".join(f"#{t}" for t in tags) if tags else ctx.t("member.no_subscriptions")


@router.command(
    "join",
    aliases=("rejoindre",),
    args=(Word("code", optional=True, max_length=64),),
    role=Role.GUEST,
    summary=("Demander à rejoindre le réseau", "Ask to join the network"),
    usage=("join [code]", "join [code]"),
    details=(
        "Avec le code d'une invitation, vous êtes membre tout de suite. Sans code, votre "
        "demande attend qu'un coordinateur l'accepte.",
        "With an invitation code you are a member at once. Without one, your request waits "
        "for a coordinator to accept it.",
    ),
)
async def join(ctx: Context, code: str | None) -> None:
    if code is not None:
        await admission.redeem(ctx, code)
    else:
        await admission.join(ctx)


@router.command(
    "start",
    args=(Word("payload", optional=True, max_length=64),),
    role=Role.GUEST,
    summary=("Ouvrir la conversation privée avec le bot", "Open the private chat with the bot"),
    usage="start",
    details=(
        "Sur Telegram, le lien donné par join (ou par une invitation) ouvre la conversation "
        "privée et y envoie start : le bot peut alors vous écrire, et votre adhésion suit "
        "son cours.",
        "On Telegram, the link that join (or an invitation) gives opens the private chat and "
        "sends start there: the bot may then write to you, and your joining carries on.",
    ),
)
async def start(ctx: Context, payload: str | None) -> None:
    """A Telegram bot may write to a user only after the user opened the chat: this is it."""
    if not ctx.message.is_private:
        await ctx.reply("start.group", prefix=ctx.limits.command_prefix)
        return
    await ctx.tx.members.set_dm_reachable(ctx.message.platform, ctx.message.user_id, True)
    if payload is not None and payload.casefold() in ("linkme", "export", "forgetme"):
        # The link `linkme`, `export` or `forgetme` gave in a group: the chat is open,
        # carry on here.
        if payload.casefold() == "linkme":
            await identity_commands.linkme(ctx, None, None)
        elif payload.casefold() == "export":
            await privacy_commands.export(ctx, None)
        else:
            await privacy_commands.forgetme(ctx, None)
    elif payload is not None and payload.casefold() != "join":
        await admission.redeem(ctx, payload)
    elif payload is not None and not ctx.member.joined:
        await admission.join(ctx)
    elif not ctx.member.joined and not ctx.member.is_pending:
        await ctx.reply("start.hello", prefix=ctx.limits.command_prefix)
    else:
        await ctx.reply("member.dm_ready")


@router.command(
    "me",
    aliases=("moi",),
    role=Role.GUEST,
    summary=("Ce que le réseau sait de vous", "What the network knows about you"),
    usage="me",
)
async def me(ctx: Context) -> None:
    member = ctx.member
    roles = ", ".join(
        ctx.t(f"role.{g.role.name.lower()}") + (f" ({g.scope})" if g.scope else "")
        for g in sorted(set(member.grants), key=lambda g: (-g.role, g.scope or ""))
        if g.role > Role.GUEST
    ) or ctx.t("role.guest")
    lines = [
        ctx.t("me.header", name=member.display_name, id=member.short_id),
        ctx.t("me.roles", roles=roles),
        ctx.t("me.subscriptions", tags=_tags_text(ctx, member.subscriptions)),
        ctx.t("me.lang", lang=member.lang or ctx.t("me.lang_default", lang=ctx.lang)),
    ]
    home = member.home_identity()
    for identity in member.identities:
        if identity.unreachable_reason:
            state = ctx.t("me.dm_broken", reason=identity.unreachable_reason[:120])
        elif identity.dm_reachable:
            state = ctx.t("me.dm_ok")
        else:
            state = ctx.t("me.dm_missing")
        marker = " *" if home is not None and identity.key == home.key and member.joined else ""
        lines.append(
            ctx.t(
                "me.identity", platform=identity.platform, name=identity.display_name, state=state
            )
            + marker
        )
    lines += await _notification_lines(ctx, member)
    lines += await _standing_lines(ctx, member)
    link = ctx.dm_link("join")
    if link is not None and not admission.dm_ok(ctx):
        lines.append(ctx.t("member.dm_link", link=link))
    await ctx.reply_text("\n".join(lines))


async def _notification_lines(ctx: Context, member: Member) -> list[str]:
    """Where private alerts go, quiet hours, digest, and what waits for the digest."""
    if not member.joined:
        return []
    prefs = member.prefs
    zone = prefs.zone(ctx.network.timezone)
    lines = [ctx.t("me.notify", where=identity_commands.notify_text(ctx, member))]
    if prefs.quiet is not None:
        lines.append(ctx.t("me.quiet", window=prefs.quiet.label, zone=zone))
    if prefs.digest_at is not None:
        lines.append(ctx.t("me.digest", at=format_clock(prefs.digest_at), zone=zone))
    held = await ctx.tx.digests.held_count(member.id)
    if held:
        lines.append(ctx.t("me.held", alerts=count(ctx.lang, "count.alerts", held)))
    return lines


async def _standing_lines(ctx: Context, member: Member) -> list[str]:
    """Where they stand; for members, who brought them in and whom they brought."""
    prefix = ctx.limits.command_prefix
    if member.is_pending:
        return [ctx.t("me.pending", id=member.short_id)]
    if not member.joined:
        key = "me.closed" if member.standing.value in ("refused", "removed") else "me.not_joined"
        return [ctx.t(key, prefix=prefix)]
    lines: list[str] = []
    sponsor = await ctx.tx.members.get(member.sponsor_id) if member.sponsor_id else None
    if sponsor is not None:
        lines.append(ctx.t("me.sponsor", name=sponsor.display_name, id=sponsor.short_id))
    brought = await ctx.tx.members.brought_in(member.id)
    now = time.time()
    allowance = invite_allowance(
        member.grants,
        ctx.settings.members.invites_per_member,
        await ctx.tx.invitations.in_use(member.id, now),
    )
    open_codes = await ctx.tx.invitations.open_count(member.id, now)
    left = ctx.t("me.invites_unlimited") if allowance is None else str(allowance)
    lines.append(ctx.t("me.cascade", n=brought, open=open_codes, left=left))
    return lines


@router.command(
    "role",
    args=(Handle("member"), Choice("role", choices=_ROLES), Tags("scope")),
    role=Role.ADMIN,
    summary=("Donner un rôle à quelqu'un", "Give someone a role"),
    usage=(
        "role @pseudo member|coordinator|admin [tag]",
        "role @name member|coordinator|admin [tag]",
    ),
    details=(
        "Avec un tag, le rôle ne vaut que pour ce périmètre (ex. role @paul coordinator dept:069). "
        "member retire les rôles (ceux du tag donné, ou tous).",
        "With a tag, the role holds only in that scope (e.g. role @paul coordinator dept:069). "
        "member removes roles (those of the given tag, or all of them).",
    ),
)
async def role(ctx: Context, member: str, role: Role, scope: tuple[str, ...]) -> None:
    if len(scope) > 1:
        raise UserError("role.one_scope")
    tag = scope[0] if scope else None
    if not may_grant_role(ctx.member.grants, tag, ctx.aliases):
        if tag is None:
            await ctx.refuse(
                "role", "role.network_refused", detail="admin over *",
                prefix=ctx.limits.command_prefix, role=ctx.t(f"role.{role.name.lower()}"),
            )
        await ctx.refuse("role", "role.scope_refused", detail=f"admin over {tag}",
                         scope=f"#{tag}")  # fmt: skip
    target = await ctx.find_member(member)
    if role > Role.MEMBER and not target.joined:
        raise UserError("role.not_member", who=target.display_name, id=target.short_id)
    await ctx.tx.members.revoke(target.id, tag)
    if role > Role.MEMBER:
        await ctx.tx.members.grant(target.id, role, tag)
    await ctx.audit(
        "role",
        "done",
        f"{target.short_id} {role.name.lower()} {tag or '*'}",
    )
    where = f" ({tag})" if tag else ""
    await ctx.reply(
        "role.set",
        who=target.display_name,
        id=target.short_id,
        role=ctx.t(f"role.{role.name.lower()}"),
        scope=where,
    )


@router.command(
    "subscribe",
    aliases=("abonner", "sabonner"),
    args=(Tags("tags"),),
    role=Role.MEMBER,
    summary=("Recevoir en privé les alertes de ces tags", "Get alerts with these tags privately"),
    usage=("subscribe [tags…]", "subscribe [tags…]"),
    details=(
        "Sans tag : toutes les alertes (tag national).",
        "Without tags: every alert (tag national).",
    ),
)
async def subscribe(ctx: Context, tags: tuple[str, ...]) -> None:
    if tags in (("share",), ("partage",)):
        await pushes.subscribe_share(ctx, True)
        return
    wanted = tags or (NATIONAL,)
    await ctx.tx.members.subscribe(ctx.member.id, wanted)
    refreshed = await ctx.tx.members.get(ctx.member.id)
    assert refreshed is not None
    await ctx.reply("member.subscribed", tags=_tags_text(ctx, refreshed.subscriptions))
    home = refreshed.home_identity()
    if home is not None and home.platform in ctx.no_dm_platforms:
        await ctx.reply("member.notified_by_role", platform=home.platform.capitalize())
    elif home is None or not home.dm_reachable or home.unreachable_reason:
        await admission.ask_for_dm(ctx)


@router.command(
    "unsubscribe",
    aliases=("desabonner",),
    args=(Tags("tags"),),
    role=Role.MEMBER,
    summary=("Ne plus recevoir ces alertes (ou aucune)", "Stop getting these alerts (or any)"),
    usage=("unsubscribe [tags…]", "unsubscribe [tags…]"),
)
async def unsubscribe(ctx: Context, tags: tuple[str, ...]) -> None:
    if tags in (("share",), ("partage",)):
        await pushes.subscribe_share(ctx, False)
        return
    removed = await ctx.tx.members.unsubscribe(ctx.member.id, tags or None)
    if removed == 0:
        raise UserError("member.not_subscribed", tags=_tags_text(ctx, tags))
    refreshed = await ctx.tx.members.get(ctx.member.id)
    assert refreshed is not None
    await ctx.reply("member.unsubscribed", tags=_tags_text(ctx, refreshed.subscriptions))


@router.command(
    "lang",
    aliases=("langue",),
    args=(
        Choice("target", optional=True, choices={"room": "room", "salon": "room"}),
        Choice("lang", choices=_LANGS),
    ),
    role=Role.GUEST,
    summary=("Choisir votre langue (fr/en)", "Choose your language (fr/en)"),
    usage=("lang [salon] fr|en", "lang [room] fr|en"),
    details=(
        "lang salon en (admin) change la langue des messages relayés dans ce salon.",
        "lang room en (admin) sets the language of messages relayed into this room.",
    ),
)
async def lang(ctx: Context, target: str | None, lang: str) -> None:
    if target == "room":
        if ctx.room is None:
            raise UserError("room.not_linked")
        if not may_manage_room(ctx.member.grants, ctx.room.tags, ctx.room.tags, ctx.aliases):
            await ctx.refuse("lang", "room.scope_refused", detail="room",
                             scope=ctx.scope_text(ctx.room.tags))  # fmt: skip
        await ctx.tx.rooms.set_lang(ctx.room.id, lang)
        await ctx.audit("lang", "done", f"room {lang}")
        ctx.lang = lang
        await ctx.reply("room.lang_set", room=ctx.room.label)
        return
    await ctx.tx.members.set_lang(ctx.member.id, lang)
    ctx.lang = lang
    await ctx.reply("member.lang_set")
