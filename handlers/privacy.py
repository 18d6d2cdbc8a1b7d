"""What the network knows about you: `export` it, or be forgotten (`forgetme`, `forget @x`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.commands import Choice, Context, Handle, Router, UserError, Word
from bot.domain import Button, Counted, Member, OutgoingMessage, Phrase, Role, Target, TargetKind
from bot.domain.identity import FORGET_CODE_SECONDS, MAX_BAD_CODES_PER_HOUR
from bot.domain.membership import code_digest, new_invite_code, normalize_code
from bot.domain.messages import platform_label
from bot.domain.privacy import forget_refusal, former_member
from bot.domain.roles import has_role
from bot.i18n import spans, text
from bot.privacy import remove_exports, write_export
from bot.store import Priority
from bot.store.outbox import EPHEMERAL_SUBJECT
from bot.tasks import Actor, TaskSetup, member_removed
from handlers import admission
from handlers.identity import PLATFORM_WORDS

router = Router("privacy")


async def _check_identified(ctx: Context, command: str) -> None:
    if not ctx.message.identified:
        await ctx.refuse(command, "refused.unidentified", detail="unidentified")


# -- export ------------------------------------------------------------------------------------


@router.command(
    "export",
    aliases=("exporter", "mesdonnees"),
    args=(Choice("platform", optional=True, choices=PLATFORM_WORDS),),
    role=Role.GUEST,
    summary=(
        "Recevoir en privé tout ce que le réseau garde sur vous",
        "Get everything the network keeps about you, privately",
    ),
    usage=("export [telegram|discord]", "export [telegram|discord]"),
    details=(
        "Un fichier JSON : comptes, rôles, abonnements, réglages, alertes lancées, prises en "
        "charge, tâches, clips demandés, invitations, journal. IRC ne transmet pas de "
        "fichier : export telegram l'envoie sur votre compte Telegram relié.",
        "A JSON file: accounts, roles, subscriptions, settings, alerts raised, acks, tasks, "
        "clips asked, invitations, audit log. IRC carries no files: export telegram sends it "
        "to your linked Telegram account.",
    ),
)
async def export(ctx: Context, platform: str | None) -> None:
    await _check_identified(ctx, "export")
    member = ctx.member
    where = platform or ctx.message.platform
    target, limits_ok = _destination(ctx, member, where)
    if not limits_ok:
        others = [
            i.platform
            for i in member.identities
            if (lim := ctx.platforms.get(i.platform)) is not None and lim.can_send_files
        ]
        if others:
            raise UserError("export.no_files_here", platform=where, other=others[0],
                            prefix=ctx.limits.command_prefix)  # fmt: skip
        raise UserError("export.no_files", platform=where, prefix=ctx.limits.command_prefix)
    if target is None:
        link = ctx.dm_link_on(where, "export")
        if link is not None:
            raise UserError("export.open_chat_link", link=link)
        raise UserError("export.not_linked", platform=where, prefix=ctx.limits.command_prefix)
    now = ctx.clock()
    allowed = ctx.settings.privacy.exports_per_hour
    if await ctx.tx.privacy.exports_since(ctx.member.id, now - 3600) >= allowed:
        await ctx.refuse("export", "export.too_many", detail=f"{allowed} an hour",
                         exports=Counted("count.exports", allowed))  # fmt: skip
    data = await ctx.tx.privacy.export(member.id, network=ctx.network.name, now=now)
    directory = Path(ctx.settings.privacy.export_dir)
    path = await asyncio.to_thread(write_export, directory, member.short_id, data, now)
    # The explanation first, as a message of its own (a file's caption is short on Telegram).
    explanation = OutgoingMessage(
        spans(ctx.lang, "export.explanation", id=member.short_id,
              prefix=ctx.limits.command_prefix, **_kept(ctx))
    )
    document = OutgoingMessage(
        spans(ctx.lang, "export.caption", id=member.short_id), document=str(path)
    )
    for message in (explanation, document):
        await ctx.send(target, message, Priority.REPLY, lang=ctx.lang)
    await ctx.audit("export", "done", target.platform)
    if target != ctx.origin:
        await ctx.reply("export.sent_privately", platform=platform_label(target.platform))


def _kept(ctx: Context) -> dict[str, object]:
    """How long each kind of record is kept, as the explanation says it."""
    privacy = ctx.settings.privacy
    days = {
        "alerts": privacy.keep_alerts_days,
        "audit": privacy.keep_audit_days,
        "deliveries": privacy.keep_delivery_days,
    }
    return {
        name: Counted("count.days", max(1, round(value))) if value else Phrase("keep.forever")
        for name, value in days.items()
    }


def _destination(ctx: Context, member: Member, platform: str) -> tuple[Target | None, bool]:
    """Where the file goes: the member's private chat on `platform` (when the bot may write
    there), and whether that platform carries files at all."""
    limits = ctx.platforms.get(platform)
    if limits is None or not limits.can_send_files:
        return None, False
    if platform == ctx.message.platform and ctx.message.is_private:
        return ctx.origin, True
    identity = member.identity_on(platform)
    if identity is None or identity.unreachable_reason:
        return None, True
    if platform == ctx.message.platform and admission.dm_ok(ctx):
        return Target(platform, TargetKind.USER, identity.user_id), True
    if identity.dm_reachable or limits.dm_without_prompt:
        return Target(platform, TargetKind.USER, identity.user_id), True
    return None, True


# -- forgetme, forget @x -----------------------------------------------------------------------


@router.command(
    "forgetme",
    aliases=("oubliemoi", "effacemoi"),
    args=(Word("code", optional=True, max_length=64),),
    role=Role.GUEST,
    summary=("Être oublié·e par le réseau", "Be forgotten by the network"),
    usage=("forgetme [code]", "forgetme [code]"),
    details=(
        "Efface vos comptes, noms, abonnements, rôles et réglages ; votre nom devient "
        "« ancien membre » dans l'historique, les chiffres restent. Demande une confirmation.",
        "Erases your accounts, names, subscriptions, roles and settings; your name becomes "
        '"former member" in history, the counts stay. Asks for a confirmation.',
    ),
)
async def forgetme(ctx: Context, code: str | None) -> None:
    if not ctx.message.is_private:
        # Nothing of it happens in a group: no code, no name, no "you are forgotten".
        link = ctx.dm_link_on(ctx.message.platform, "forgetme")
        if link is not None:
            raise UserError("forget.private_first_link", link=link)
        raise UserError("forget.private_first", prefix=ctx.limits.command_prefix)
    await _check_identified(ctx, "forgetme")
    member = ctx.member
    await _check_refusal(ctx, "forgetme", member)
    if code is None:
        await _ask_confirmation(ctx, member, None)
        return
    await _check_code(ctx, "forgetme", code, member, None)
    await _erase(ctx, member)
    goodbye = OutgoingMessage(spans(ctx.lang, "forget.done_self"))
    await ctx.send(ctx.origin, goodbye, Priority.REPLY, subject=EPHEMERAL_SUBJECT, lang=ctx.lang)


@router.command(
    "forget",
    aliases=("oublier",),
    args=(Handle("member"), Word("code", optional=True, max_length=64)),
    role=Role.ADMIN,
    summary=(
        "Faire oublier quelqu'un qui est parti (admin)",
        "Have someone who left forgotten (admin)",
    ),
    usage=("forget @pseudo [code]", "forget @name [code]"),
    details=(
        "Comme forgetme, pour une personne qui ne peut plus le demander elle-même. Réservé aux "
        "admins du réseau, confirmé par un code, inscrit au journal.",
        "Like forgetme, for someone who can no longer ask themselves. For the network's "
        "admins, confirmed by a code, written to the audit log.",
    ),
)
async def forget(ctx: Context, member: str, code: str | None) -> None:
    if not has_role(ctx.member.grants, Role.ADMIN, None, ctx.aliases):
        await ctx.refuse("forget", "refused.network_admin", detail="network admin",
                         command="forget")  # fmt: skip
    target = await ctx.find_member(member)
    if target.id == ctx.member.id:
        raise UserError("forget.self", prefix=ctx.limits.command_prefix)
    if target.display_name == former_member(ctx.network.lang) and not target.identities:
        raise UserError("forget.already", id=target.short_id)
    await _check_refusal(ctx, "forget", target)
    if code is None:
        await _ask_confirmation(ctx, target, ctx.member)
        return
    await _check_code(ctx, "forget", code, target, ctx.member)
    await _erase(ctx, target)
    await ctx.audit("forget", "done", target.short_id)
    await ctx.reply("forget.done_other", id=target.short_id)


async def _check_refusal(ctx: Context, command: str, target: Member) -> None:
    admins = [m.id for m in await ctx.tx.members.network_admins()]
    refusal = forget_refusal(
        target.id,
        admins,
        target_is_config_admin=any(i.key in ctx.settings.admin_keys for i in target.identities),
    )
    if refusal is not None:
        await ctx.refuse(command, refusal, detail=target.short_id,
                         prefix=ctx.limits.command_prefix)  # fmt: skip


async def _ask_confirmation(ctx: Context, target: Member, admin: Member | None) -> None:
    code = new_invite_code()
    now = ctx.clock()
    await ctx.tx.identities.add_code(
        "forget", target.id, code_digest(code), now=now, expires_at=now + FORGET_CODE_SECONDS,
        other_id=admin.id if admin else None,
    )
    prefix = ctx.limits.command_prefix
    if admin is None:
        command = f"/forgetme {code}"
        body = spans(ctx.lang, "forget.confirm_self", code=code, prefix=prefix,
                     minutes=int(FORGET_CODE_SECONDS // 60))  # fmt: skip
    else:
        command = f"/forget {target.short_id} {code}"
        body = spans(ctx.lang, "forget.confirm_other", id=target.short_id,
                     name=target.display_name, code=code, prefix=prefix,
                     minutes=int(FORGET_CODE_SECONDS // 60))  # fmt: skip
    button = Button(text(ctx.lang, "forget.button"), command)
    await ctx.reply_message(OutgoingMessage(body, (button,)))


async def _check_code(
    ctx: Context, command: str, raw: str, target: Member, admin: Member | None
) -> None:
    since = ctx.clock() - 3600
    if await ctx.tx.identities.bad_tries_since(ctx.member.id, since) >= MAX_BAD_CODES_PER_HOUR:
        await ctx.refuse(command, "link.too_many_tries", detail="too many wrong codes")
    code = normalize_code(raw)
    found = await ctx.tx.identities.find_code(code_digest(code), "forget") if code else None
    now = ctx.clock()
    valid = (
        found is not None
        and found.member_id == target.id
        and found.other_id == (admin.id if admin else None)
    )
    if not valid or found is None:
        await ctx.audit(command, "bad_code", "forget.bad_code")
        raise UserError("forget.bad_code", prefix=ctx.limits.command_prefix)
    if found.used_at is not None or found.expires_at <= now:
        await ctx.audit(command, "bad_code", "forget.expired_code")
        raise UserError("forget.expired_code", prefix=ctx.limits.command_prefix)
    await ctx.tx.identities.use_code(found.id, now)


async def _erase(ctx: Context, target: Member) -> None:
    """Free the tasks they held, then erase them; their export files go too."""
    setup = TaskSetup(ctx.settings, ctx.platforms)
    await member_removed(ctx.tx, setup, target.id, Actor(ctx.member, ctx.origin), ctx.clock())
    await ctx.tx.invitations.revoke_unused(target.id)
    await ctx.tx.privacy.forget(target.id, former_member(ctx.network.lang), ctx.clock())
    await asyncio.to_thread(
        remove_exports, Path(ctx.settings.privacy.export_dir), target.short_id
    )

