"""One person across platforms: `linkme`, `unlinkme`, and where and when alerts reach them
(`notify`, `quiet`, `digest`, `tz`)."""

from __future__ import annotations

from typing import NoReturn

from bot.commands import Choice, Context, Rest, Router, UsageError, UserError, Word
from bot.digests import DigestSetup, settle_member
from bot.domain import Button, Counted, Member, OutgoingMessage, Role, Target, TargetKind
from bot.domain.durations import format_local_time
from bot.domain.identity import (
    APPROVE_CODE_SECONDS,
    LINK_CODE_SECONDS,
    MAX_BAD_CODES_PER_HOUR,
    link_refusal,
    needs_admin,
    plan_link,
)
from bot.domain.membership import code_digest, new_invite_code, normalize_code
from bot.domain.quiet import (
    NOTIFY_ALL,
    QuietError,
    check_zone,
    format_clock,
    parse_clock,
    parse_window,
    release_at,
)
from bot.domain.roles import has_role
from bot.i18n import pick_lang, spans, text
from bot.store import Priority
from handlers import admission

router = Router("identity")

MAX_REQUESTS_PER_HOUR = 3
"""Links awaiting an admin one member may ask for in an hour: each one writes to every admin."""

PLATFORM_WORDS = {
    "telegram": "telegram",
    "tg": "telegram",
    "discord": "discord",
    "irc": "irc",
    "console": "console",
}
_OFF = frozenset({"off", "non", "no", "aucune", "aucun", "none", "stop", "arret", "arrêt"})
_CONFIRM = frozenset({"confirm", "confirmer", "ok"})
_DAILY = frozenset({"daily", "quotidien", "chaque", "jour", "day"})


def _platforms(member: Member) -> str:
    return ", ".join(i.platform for i in member.identities) or "—"


async def _check_identified(ctx: Context, command: str) -> None:
    """An IRC nick without a services account could be anyone tomorrow: it is not linked."""
    if not ctx.message.identified:
        await ctx.refuse(command, "refused.unidentified", detail="unidentified")


async def _check_tries(ctx: Context, command: str) -> None:
    since = ctx.clock() - 3600
    if await ctx.tx.identities.bad_tries_since(ctx.member.id, since) >= MAX_BAD_CODES_PER_HOUR:
        await ctx.refuse(command, "link.too_many_tries", detail="too many wrong codes")


async def _bad_code(ctx: Context, command: str, key: str) -> NoReturn:
    await ctx.audit(command, "bad_code", key)
    raise UserError(key)


def _private_target(ctx: Context) -> Target | None:
    """The member's private chat here, when the bot may write there."""
    if ctx.message.is_private:
        return ctx.origin
    if admission.dm_ok(ctx) or ctx.limits.dm_without_prompt:
        return Target(ctx.message.platform, TargetKind.USER, ctx.message.user_id)
    return None


# -- linkme ------------------------------------------------------------------------------------


@router.command(
    "linkme",
    aliases=("relier", "lierme"),
    args=(Word("code", optional=True, max_length=64), Word("more", optional=True, max_length=64)),
    role=Role.GUEST,
    summary=(
        "Relier vos comptes Telegram, Discord et IRC",
        "Link your Telegram, Discord and IRC accounts",
    ),
    usage=("linkme [code]", "linkme [code]"),
    details=(
        "linkme (en privé) donne un code valable 10 minutes ; tapez linkme CODE sur l'autre "
        "plateforme : vos rôles, abonnements, parrainage et historique sont réunis. Une "
        "identité qui a déjà des rôles demande la confirmation d'un admin.",
        "linkme (in private) gives a code valid 10 minutes; type linkme CODE on the other "
        "platform: your roles, subscriptions, sponsor and history are merged. An identity "
        "that already holds roles needs an admin's confirmation.",
    ),
)
async def linkme(ctx: Context, code: str | None, more: str | None) -> None:
    await _check_identified(ctx, "linkme")
    if code is None:
        await _give_code(ctx)
    elif code.casefold() in _CONFIRM:
        if more is None:
            raise UserError("link.confirm_usage", prefix=ctx.limits.command_prefix)
        await _confirm(ctx, more)
    else:
        # A code read aloud is often typed in two halves (`K7QXM 2PA9Z`).
        await _use_code(ctx, code + (more or ""))


async def _give_code(ctx: Context) -> None:
    destination = _private_target(ctx)
    if destination is None:
        link = ctx.dm_link("linkme")
        if link is not None:
            raise UserError("link.private_first_link", link=link)
        raise UserError("link.private_first")
    code = new_invite_code()
    now = ctx.clock()
    await ctx.tx.identities.add_code(
        "link", ctx.member.id, code_digest(code), now=now, expires_at=now + LINK_CODE_SECONDS
    )
    body = OutgoingMessage(
        spans(ctx.lang, "link.code", code=code, minutes=int(LINK_CODE_SECONDS // 60))
    )
    await ctx.send_secret(destination, body)
    if destination != ctx.origin:
        await ctx.reply("link.code_sent_privately")


async def _use_code(ctx: Context, raw: str) -> None:
    await _check_tries(ctx, "linkme")
    code = normalize_code(raw)
    if code is None:
        await _bad_code(ctx, "linkme", "link.bad_code")
    found = await ctx.tx.identities.find_code(code_digest(code), "link")
    now = ctx.clock()
    if found is None:
        await _bad_code(ctx, "linkme", "link.bad_code")
    if found.used_at is not None:
        await _bad_code(ctx, "linkme", "link.used_code")
    if found.expires_at <= now:
        await _bad_code(ctx, "linkme", "link.expired_code")
    owner = await ctx.tx.members.get(found.member_id)
    if owner is None:
        await _bad_code(ctx, "linkme", "link.bad_code")
    refusal = link_refusal(owner, ctx.member)
    if refusal is not None:
        await ctx.refuse("linkme", refusal, detail=f"{owner.short_id}+{ctx.member.short_id}",
                         platforms=_platforms(owner))
    if not await ctx.tx.identities.use_code(found.id, now):
        await _bad_code(ctx, "linkme", "link.used_code")
    if needs_admin(ctx.member):
        since = ctx.clock() - 3600
        if await ctx.tx.identities.requests_since(ctx.member.id, since) >= MAX_REQUESTS_PER_HOUR:
            await ctx.refuse("linkme", "link.too_many_requests", detail="approvals asked")
        await _ask_admins(ctx, owner, ctx.member)
        return
    merged = await _merge(ctx, owner, ctx.member)
    await ctx.reply(
        "link.done", id=merged.short_id, platforms=_platforms(merged),
        prefix=ctx.limits.command_prefix,
    )
    await _tell_other_side(ctx, merged)


async def _merge(ctx: Context, owner: Member, typer: Member) -> Member:
    plan = plan_link(owner, typer)
    await ctx.tx.identities.merge(plan.survivor.id, plan.absorbed.id)
    await ctx.audit("linkme", "done", f"{plan.absorbed.short_id} -> {plan.survivor.short_id}")
    merged = await ctx.tx.members.get(plan.survivor.id)
    assert merged is not None
    if ctx.member.id == plan.absorbed.id:
        ctx.member = merged  # the audit row of this command goes to the member that stays
    await settle_member(ctx.tx, DigestSetup.of(ctx.settings, ctx.platforms), merged, ctx.clock())
    return merged


async def _tell_other_side(ctx: Context, merged: Member) -> None:
    """A notice on the identity joined first, so that a link nobody meant is seen at once."""
    home = merged.home_identity()
    if home is None or home.platform == ctx.message.platform:
        return
    limits = ctx.platforms.get(home.platform)
    if limits is None or home.unreachable_reason:
        return
    if not (home.dm_reachable or limits.dm_without_prompt):
        return
    lang = pick_lang(merged.lang, ctx.network.lang)
    notice = OutgoingMessage(
        spans(
            lang,
            "link.notice",
            platform=ctx.message.platform,
            name=ctx.message.display_name,
            prefix=limits.command_prefix,
        )
    )
    await ctx.send(Target(home.platform, TargetKind.USER, home.user_id), notice, Priority.REPLY,
                   lang=lang)  # fmt: skip


async def _ask_admins(ctx: Context, owner: Member, typer: Member) -> None:
    """The identity typing the code belongs to someone with roles: a network admin decides."""
    code = new_invite_code()
    now = ctx.clock()
    await ctx.tx.identities.add_code(
        "approve", owner.id, code_digest(code), now=now, expires_at=now + APPROVE_CODE_SECONDS,
        other_id=typer.id,
    )
    await ctx.audit("linkme", "requested", f"{typer.short_id} -> {owner.short_id}")
    roles = ", ".join(
        ctx.t(f"role.{g.role.name.lower()}") + (f" ({g.scope})" if g.scope else "")
        for g in typer.grants
        if g.role > Role.MEMBER
    )
    told = 0
    for admin in await ctx.tx.members.network_admins():
        identity = admin.home_identity()
        if identity is None:
            continue
        limits = ctx.platforms.get(identity.platform)
        if limits is None or identity.unreachable_reason:
            continue
        if not (identity.dm_reachable or limits.dm_without_prompt):
            continue
        lang = pick_lang(admin.lang, ctx.network.lang)
        command = f"/linkme confirm {code}"
        message = OutgoingMessage(
            spans(
                lang,
                "link.approve_request",
                owner=owner.display_name,
                owner_id=owner.short_id,
                owner_platforms=_platforms(owner),
                typer=typer.display_name,
                typer_id=typer.short_id,
                platform=ctx.message.platform,
                roles=roles,
                code=code,
            ),
            (Button(text(lang, "link.approve_button"), command),),
        )
        await ctx.send(
            Target(identity.platform, TargetKind.USER, identity.user_id), message,
            Priority.REPLY, lang=lang,
        )
        told += 1
    await ctx.reply("link.needs_admin", roles=roles, admins=Counted("count.admins_told", told))


async def _confirm(ctx: Context, raw: str) -> None:
    if not has_role(ctx.member.grants, Role.ADMIN, None, ctx.aliases):
        await ctx.refuse("linkme", "refused.network_admin", detail="confirm: network admin",
                         command="linkme confirm")
    code = normalize_code(raw)
    found = await ctx.tx.identities.find_code(code_digest(code), "approve") if code else None
    now = ctx.clock()
    if found is None or found.other_id is None:
        raise UserError("link.bad_code")
    if found.used_at is not None:
        raise UserError("link.used_code")
    if found.expires_at <= now:
        raise UserError("link.expired_code")
    owner = await ctx.tx.members.get(found.member_id)
    typer = await ctx.tx.members.get(found.other_id)
    if owner is None or typer is None:
        raise UserError("link.gone")
    refusal = link_refusal(owner, typer)
    if refusal is not None:
        raise UserError(refusal, platforms=_platforms(owner))
    await ctx.tx.identities.use_code(found.id, now)
    merged = await _merge(ctx, owner, typer)
    await ctx.reply("link.confirmed", id=merged.short_id, name=merged.display_name,
                    platforms=_platforms(merged))  # fmt: skip
    for identity in merged.identities:
        limits = ctx.platforms.get(identity.platform)
        if limits is None or identity.unreachable_reason:
            continue
        if identity.dm_reachable or limits.dm_without_prompt:
            lang = pick_lang(merged.lang, ctx.network.lang)
            await ctx.send(
                Target(identity.platform, TargetKind.USER, identity.user_id),
                OutgoingMessage(
                    spans(lang, "link.done", id=merged.short_id, platforms=_platforms(merged),
                          prefix=limits.command_prefix)
                ),
                Priority.REPLY,
                lang=lang,
            )
            break


# -- unlinkme ----------------------------------------------------------------------------------


@router.command(
    "unlinkme",
    aliases=("delierme",),
    args=(Choice("platform", choices=PLATFORM_WORDS),),
    role=Role.GUEST,
    summary=("Détacher un compte relié", "Detach a linked account"),
    usage=("unlinkme telegram|discord|irc", "unlinkme telegram|discord|irc"),
    details=(
        "Le compte détaché redevient une personne inconnue du réseau : sans rôle, sans "
        "abonnement, sans historique (ils restent à vos autres comptes).",
        "The detached account becomes a stranger to the network: no roles, no subscriptions, "
        "no history (those stay with your other accounts).",
    ),
)
async def unlinkme(ctx: Context, platform: str) -> None:
    await _check_identified(ctx, "unlinkme")
    member = ctx.member
    identity = member.identity_on(platform)
    if identity is None:
        raise UserError("unlink.not_linked", platform=platform, platforms=_platforms(member))
    if len(member.identities) == 1:
        raise UserError("unlink.last", platform=platform)
    await ctx.tx.identities.detach(identity.platform, identity.user_id, ctx.clock())
    await ctx.audit("unlinkme", "done", f"{member.short_id} {platform}")
    kept = await ctx.tx.members.get(member.id)
    assert kept is not None
    await ctx.reply("unlink.done", platform=platform, id=kept.short_id, platforms=_platforms(kept))


# -- notify ------------------------------------------------------------------------------------


@router.command(
    "notify",
    aliases=("notifier", "notif"),
    args=(Choice("where", optional=True, choices={**PLATFORM_WORDS, "all": NOTIFY_ALL,
                                                  "tous": NOTIFY_ALL, "tout": NOTIFY_ALL}),),
    role=Role.MEMBER,
    summary=(
        "Choisir où arrivent vos alertes privées",
        "Choose where your private alerts arrive",
    ),
    usage=("notify [telegram|discord|irc|all]", "notify [telegram|discord|irc|all]"),
    details=(
        "Tant que vous n'avez rien choisi, une seule copie, sur la plateforme où vous êtes "
        "entré·e en premier. all : une copie sur chaque compte relié.",
        "Until you choose, one copy, on the platform you joined first. all: one copy on every "
        "linked account.",
    ),
)
async def notify(ctx: Context, where: str | None) -> None:
    member = ctx.member
    if where is None:
        await ctx.reply("notify.current", where=notify_text(ctx, member),
                        platforms=_platforms(member))  # fmt: skip
        return
    if where != NOTIFY_ALL and member.identity_on(where) is None:
        raise UserError("notify.not_linked", platform=where, platforms=_platforms(member),
                        prefix=ctx.limits.command_prefix)  # fmt: skip
    home = member.home_platform
    await ctx.tx.identities.set_notify(member.id, None if where == home else where)
    updated = await ctx.tx.members.get(member.id)
    assert updated is not None
    await ctx.reply("notify.set", where=notify_text(ctx, updated))
    for identity in updated.notify_identities():
        if identity.platform in ctx.no_dm_platforms:
            await ctx.reply("member.notified_by_role", platform=identity.platform.capitalize())
            continue
        limits = ctx.platforms.get(identity.platform)
        reachable = identity.dm_reachable or (limits is not None and limits.dm_without_prompt)
        if not reachable or identity.unreachable_reason:
            link = ctx.dm_link_on(identity.platform, "join")
            if link is not None:
                await ctx.reply("notify.open_chat_link", platform=identity.platform, link=link)
            else:
                await ctx.reply("notify.open_chat", platform=identity.platform)


def notify_text(ctx: Context, member: Member) -> str:
    if member.prefs.notify == NOTIFY_ALL:
        return ctx.t("notify.all", platforms=_platforms(member))
    home = member.home_identity()
    if home is None:
        return "—"
    if member.prefs.notify is None:
        return ctx.t("notify.first", platform=home.platform)
    return home.platform


# -- quiet hours, digest, time zone ------------------------------------------------------------


def _zone(ctx: Context, member: Member) -> str:
    return member.prefs.zone(ctx.network.timezone)


async def _settle(ctx: Context) -> Member:
    """After a change: what waits for them is released now or promised for later."""
    updated = await ctx.tx.members.get(ctx.member.id)
    assert updated is not None
    released = await settle_member(
        ctx.tx, DigestSetup.of(ctx.settings, ctx.platforms), updated, ctx.clock()
    )
    if released is not None and released.members:
        await ctx.reply("quiet.released")
    return updated


@router.command(
    "quiet",
    aliases=("calme", "silence"),
    args=(Rest("window", optional=True),),
    role=Role.MEMBER,
    summary=(
        "Heures calmes : les alertes attendent et arrivent en un résumé",
        "Quiet hours: alerts wait and arrive as one digest",
    ),
    usage=("quiet [23:00-07:00|off]", "quiet [23:00-07:00|off]"),
    details=(
        "Pendant ces heures (votre fuseau : tz), les alertes sont gardées et vous arrivent en "
        "un seul message à la fin, chacune avec son état. Les alertes urgentes passent.",
        "During these hours (your time zone: tz), alerts are held and reach you as one "
        "message at the end, each with its state. Urgent alerts go through.",
    ),
)
async def quiet(ctx: Context, window: str | None) -> None:
    member = ctx.member
    zone = _zone(ctx, member)
    if window is None:
        current = member.prefs.quiet
        if current is None:
            await ctx.reply("quiet.none", prefix=ctx.limits.command_prefix)
        else:
            await ctx.reply("quiet.current", window=current.label, zone=zone)
        return
    if window.strip().casefold() in _OFF:
        await ctx.tx.identities.set_quiet(member.id, None)
        if member.prefs.digest_at is not None:
            # The daily digest still holds every alert: "at once" would be untrue.
            await ctx.reply("quiet.off_digest", at=format_clock(member.prefs.digest_at),
                            prefix=ctx.limits.command_prefix)  # fmt: skip
        else:
            await ctx.reply("quiet.off")
        await _settle(ctx)
        return
    try:
        parsed = parse_window(window)
    except QuietError as error:
        raise UsageError(error.key, **error.params) from None
    await ctx.tx.identities.set_quiet(member.id, parsed)
    await ctx.reply("quiet.set", window=parsed.label, zone=zone, end=format_clock(parsed.end))
    updated = await _settle(ctx)
    if updated.prefs.digest_at is not None:
        await ctx.reply("quiet.digest_too", at=format_clock(updated.prefs.digest_at))
    await _warn_rooms_only(ctx, updated)


async def _warn_rooms_only(ctx: Context, member: Member) -> None:
    chosen = member.notify_identities()
    if chosen and all(i.platform in ctx.no_dm_platforms for i in chosen):
        await ctx.reply("quiet.rooms_only", platform=chosen[0].platform.capitalize())


@router.command(
    "digest",
    aliases=("resume", "résumé"),
    args=(Rest("when", optional=True),),
    role=Role.MEMBER,
    summary=(
        "Un résumé par jour au lieu de chaque alerte",
        "One summary a day instead of each alert",
    ),
    usage=("digest [daily 19:00|off]", "digest [daily 19:00|off]"),
    details=(
        "digest daily 19:00 : toutes les alertes de la journée en un message à 19:00 (votre "
        "fuseau : tz). Les alertes urgentes arrivent tout de suite. digest off : chaque "
        "alerte à nouveau.",
        "digest daily 19:00: all the day's alerts in one message at 19:00 (your time zone: "
        "tz). Urgent alerts come at once. digest off: each alert again.",
    ),
)
async def digest(ctx: Context, when: str | None) -> None:
    member = ctx.member
    zone = _zone(ctx, member)
    if when is None:
        if member.prefs.digest_at is None:
            await ctx.reply("digest.none", prefix=ctx.limits.command_prefix)
        else:
            await ctx.reply("digest.current", at=format_clock(member.prefs.digest_at), zone=zone)
        return
    words = when.split()
    if len(words) == 1 and words[0].casefold() in _OFF:
        await ctx.tx.identities.set_digest(member.id, None)
        if member.prefs.quiet is not None:
            await ctx.reply("digest.off_quiet", window=member.prefs.quiet.label, zone=zone)
        else:
            await ctx.reply("digest.off")
        await _settle(ctx)
        return
    if words and words[0].casefold() in _DAILY:
        words = words[1:]
    if len(words) != 1:
        raise UserError("digest.bad", prefix=ctx.limits.command_prefix)
    try:
        minute = parse_clock(words[0])
    except QuietError as error:
        raise UsageError(error.key, **error.params) from None
    await ctx.tx.identities.set_digest(member.id, minute)
    updated = await _settle(ctx)
    due = release_at(updated.prefs, ctx.clock(), ctx.network.timezone)
    await ctx.reply("digest.set", at=format_clock(minute), zone=zone,
                    next=_when(ctx, due))  # fmt: skip
    await _warn_rooms_only(ctx, updated)


def _when(ctx: Context, moment: float | None) -> str:
    if moment is None:
        return "—"
    return format_local_time(moment, _zone(ctx, ctx.member), ctx.clock())


@router.command(
    "tz",
    aliases=("fuseau", "timezone"),
    args=(Word("zone", optional=True, max_length=64),),
    role=Role.MEMBER,
    summary=(
        "Votre fuseau horaire (heures calmes, résumé)",
        "Your time zone (quiet hours, digest)",
    ),
    usage=("tz [Europe/Paris|off]", "tz [Europe/Paris|off]"),
)
async def tz(ctx: Context, zone: str | None) -> None:
    member = ctx.member
    if zone is None:
        if member.prefs.tz is None:
            await ctx.reply("tz.network", zone=ctx.network.timezone)
        else:
            await ctx.reply("tz.current", zone=member.prefs.tz)
        return
    if zone.casefold() in _OFF:
        await ctx.tx.identities.set_tz(member.id, None)
        await ctx.reply("tz.network", zone=ctx.network.timezone)
        await _settle(ctx)
        return
    try:
        checked = check_zone(zone)
    except QuietError as error:
        raise UsageError(error.key, **error.params) from None
    await ctx.tx.identities.set_tz(member.id, checked)
    await ctx.reply("tz.set", zone=checked)
    await _settle(ctx)
