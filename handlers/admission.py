"""How a person comes in: a vetted request, an invitation code, or (where allowed) at once.

Shared by `join`, `start` (Telegram's deep link) and the decisions of
`accept` / `refuse`. Not a command family of its own: no router here.
"""

from __future__ import annotations

import time

from bot.commands import Context, UserError
from bot.domain import Button, Member, OutgoingMessage, Role, Target, TargetKind
from bot.domain.membership import (
    JoinOutcome,
    JoinRequest,
    code_digest,
    decide_join,
    invitation_problem,
    normalize_code,
)
from bot.domain.rights import invite_still_allowed, may_decide_request
from bot.domain.roles import has_role
from bot.i18n import pick_lang, spans, text
from bot.store import Priority

MAX_BAD_CODES_PER_HOUR = 5
"""Wrong codes one identity may try in an hour: guessing a 10-character code is then hopeless."""


def request_subject(member_id: int) -> str:
    """Outbox subject of the notifications about a join request, edited once it is decided."""
    return f"join:{member_id}"


def dm_ok(ctx: Context) -> bool:
    identity = ctx.member.identity_on(ctx.message.platform)
    return identity is not None and identity.dm_reachable and not identity.unreachable_reason


def private_destination(ctx: Context, refusal: str) -> Target:
    """Where something that must not show in a group (invitation codes, a login link)
    goes: the private chat of whoever asked. When the bot may not write there yet,
    `UserError(refusal)` says how to open it (`<refusal>_link` where there is a link)."""
    if ctx.message.is_private:
        return ctx.origin
    if dm_ok(ctx) or ctx.limits.dm_without_prompt:
        return Target(ctx.message.platform, TargetKind.USER, ctx.message.user_id)
    link = ctx.dm_link("join")
    if link is not None:
        raise UserError(f"{refusal}_link", link=link)
    raise UserError(refusal)


async def ask_for_dm(ctx: Context) -> None:
    """Say how to open the private chat: a link where the platform has one (Telegram)."""
    link = ctx.dm_link("join")
    if link is not None:
        await ctx.reply("member.dm_link", link=link)
    else:
        await ctx.reply("member.dm_needed")


async def _settle_identity(ctx: Context) -> bool:
    """After admission: note whether we may write to them privately; True when we may."""
    reachable = ctx.message.is_private or ctx.limits.dm_without_prompt
    if reachable:
        await ctx.tx.members.set_dm_reachable(ctx.message.platform, ctx.message.user_id, True)
    return reachable or dm_ok(ctx)


async def join(ctx: Context) -> None:
    """A plain `join`: admitted at once where the network says so, otherwise a request."""
    settings = ctx.settings.members
    member = ctx.member
    outcome = decide_join(
        member.standing,
        identified=ctx.message.identified,
        open_join=settings.open_join,
        trust_linked_rooms=settings.trust_linked_rooms,
        in_linked_room=ctx.room is not None,
    )
    if outcome is JoinOutcome.ALREADY:
        await ctx.reply("member.already_joined", id=member.short_id)
        if not ctx.message.is_private and not dm_ok(ctx):
            await ask_for_dm(ctx)
    elif outcome is JoinOutcome.WAITING:
        await ctx.reply("join.waiting", id=member.short_id)
    elif outcome is JoinOutcome.CLOSED:
        raise UserError("join.closed")
    elif outcome is JoinOutcome.ADMIT:
        scope = ctx.room.tags if ctx.room is not None else ()
        await ctx.tx.members.admit(member.id, ctx.message.platform, scope=scope)
        await ctx.audit("join", "done", "open" if settings.open_join else "linked room")
        await _welcome(ctx)
    else:
        await _request(ctx)


async def _welcome(
    ctx: Context, sponsor: Member | None = None, subscribed: tuple[str, ...] = ()
) -> None:
    """The newcomer's first answer says how to get alerts privately: the command with
    their own tags (those they were subscribed to by their invitation, if any)."""
    reachable = await _settle_identity(ctx)
    prefix = ctx.limits.command_prefix
    name, short_id = ctx.member.display_name, ctx.member.short_id
    tags = ctx.room.tags if ctx.room is not None else ()
    if sponsor is None and tags:
        shown = " ".join(tags)
        await ctx.reply("member.joined", name=name, id=short_id, prefix=prefix, tags=shown)
    elif sponsor is None:
        await ctx.reply("member.joined_no_tags", name=name, id=short_id, prefix=prefix)
    elif subscribed:
        shown = " ".join(f"#{tag}" for tag in subscribed)
        await ctx.reply("invite.welcome", name=name, id=short_id, sponsor=sponsor.display_name,
                        tags=shown, prefix=prefix)  # fmt: skip
    else:
        await ctx.reply("invite.welcome_no_tags", name=name, id=short_id,
                        sponsor=sponsor.display_name, prefix=prefix)  # fmt: skip
    if not reachable:
        await ask_for_dm(ctx)


async def _request(ctx: Context) -> None:
    member, message = ctx.member, ctx.message
    verified = message.identified
    # Requests the platform could not vouch for are capped apart: a flood of IRC nicks
    # must not crowd out the people coordinators are waiting for.
    waiting = await ctx.tx.members.pending_count(verified=verified)
    if waiting >= ctx.settings.members.max_pending:
        await ctx.refuse("join", "join.full", detail="too many pending")
    scope = ctx.room.tags if ctx.room is not None else ()
    await ctx.tx.members.request(
        member.id,
        platform=message.platform,
        chat_id=message.chat_id,
        private=message.is_private,
        scope=scope,
        verified=verified,
    )
    await ctx.audit("join", "requested", "" if verified else "unidentified")
    if not verified:
        await ctx.reply("join.requested_unverified", id=member.short_id)
        return
    request = await ctx.tx.members.join_request(member.id)
    assert request is not None
    notified = await _notify_deciders(ctx, request)
    if notified:
        await ctx.reply("join.requested", id=member.short_id)
    elif ctx.limits.has_buttons and not message.is_private:
        # Nobody could be written to privately: whoever may decide can do it here.
        # Under the request's subject: once decided, the buttons give way to the decision.
        body = spans(ctx.lang, "join.requested_here", id=member.short_id)
        answer = OutgoingMessage(body, _decision_buttons(ctx.lang, member.id))
        await ctx.send(
            ctx.origin, answer, Priority.REPLY, subject=request_subject(member.id), lang=ctx.lang
        )
    else:
        await ctx.reply("join.requested", id=member.short_id)
    await _settle_identity(ctx)


def _decision_buttons(lang: str, member_id: int) -> tuple[Button, ...]:
    return (
        Button(text(lang, "join.accept_button"), f"/accept M{member_id}"),
        Button(text(lang, "join.refuse_button"), f"/refuse M{member_id}"),
    )


def _private_target(ctx: Context, member: Member) -> Target | None:
    """Where a member can be written to privately now, their home platform first."""
    home = member.home_identity()
    ordered = ([home] if home is not None else []) + [i for i in member.identities if i != home]
    for identity in ordered:
        limits = ctx.platforms.get(identity.platform)
        if limits is None or identity.unreachable_reason:
            continue
        if identity.dm_reachable or limits.dm_without_prompt:
            return Target(identity.platform, TargetKind.USER, identity.user_id)
    return None


async def _deciders(ctx: Context, request: JoinRequest) -> list[tuple[Target, str | None]]:
    """Who is told about a request: the coordinators of its scope, else the network's admins.

    Everyone told can decide it (`may_decide_request`). Config admins who never
    wrote to the bot are written to by their configured id where the platform
    allows writing first.
    """
    aliases = ctx.aliases
    able = [
        m
        for m in await ctx.tx.members.privileged()
        if m.id != request.member_id and may_decide_request(m.grants, request.scope, aliases)
    ]
    local = [m for m in able if not has_role(m.grants, Role.COORDINATOR, None, aliases)]
    chosen = local or [m for m in able if has_role(m.grants, Role.ADMIN, None, aliases)]
    found: list[tuple[Target, str | None]] = []
    known = {i.key for m in able for i in m.identities}
    for member in chosen:
        target = _private_target(ctx, member)
        if target is not None:
            found.append((target, member.lang))
    if not local:
        for key in sorted(ctx.settings.admin_keys - known):
            platform, _, user_id = key.partition(":")
            limits = ctx.platforms.get(platform)
            if limits is not None and limits.dm_without_prompt and user_id:
                found.append((Target(platform, TargetKind.USER, user_id), None))
    return found


async def _notify_deciders(ctx: Context, request: JoinRequest) -> int:
    where = await describe_place(ctx, request)
    sent = 0
    seen: set[Target] = set()
    for target, member_lang in await _deciders(ctx, request):
        if target in seen or target == ctx.origin:
            continue
        seen.add(target)
        lang = pick_lang(member_lang, ctx.network.lang)
        body = spans(
            lang, "join.notify", name=request.name, id=f"M{request.member_id}", where=where
        )
        await ctx.send(
            target,
            OutgoingMessage(body, _decision_buttons(lang, request.member_id)),
            Priority.ALERT,
            subject=request_subject(request.member_id),
            lang=lang,
        )
        sent += 1
    return sent


async def describe_place(ctx: Context, request: JoinRequest) -> str:
    """Where a request was made, for the people deciding it: platform, room and its tags."""
    if request.private:
        return f"{request.platform}, {ctx.t('alert.private')}"
    room = await ctx.tx.rooms.get(request.platform, request.chat_id)
    label = room.label if room is not None else request.chat_id
    tags = " ".join(f"#{t}" for t in request.scope)
    return f"{request.platform}, {label}" + (f" {tags}" if tags else "")


def request_origin(request: JoinRequest) -> Target:
    kind = TargetKind.USER if request.private else TargetKind.ROOM
    return Target(request.platform, kind, request.chat_id)


async def close_notifications(ctx: Context, member_id: int, key: str, **params: object) -> None:
    """Turn every Accept/Refuse notification about this request into what was decided."""
    await ctx.rewrite_copies(
        request_subject(member_id),
        lambda lang: OutgoingMessage(spans(lang, key, **params)),
        Priority.ALERT,
    )


async def redeem(ctx: Context, raw_code: str) -> None:
    """`join CODE` / Telegram's `start CODE`: an invitation admits at once, with a sponsor."""
    tx, member, message = ctx.tx, ctx.member, ctx.message
    now = time.time()
    tried = await tx.audit.count_since(
        message.platform, message.user_id, "join", "bad_code", now - 3600
    )
    if tried >= MAX_BAD_CODES_PER_HOUR:
        raise UserError("invite.too_many_tries")
    if member.joined:
        await ctx.reply("invite.member", id=member.short_id)
        return
    if member.standing.value in ("refused", "removed"):
        raise UserError("join.closed")
    if not message.identified:
        raise UserError("invite.identify")
    code = normalize_code(raw_code)
    invitation = await tx.invitations.find(code_digest(code)) if code else None
    problem = invitation_problem(invitation, now)
    inviter = await tx.members.get(invitation.inviter_id) if invitation else None
    if problem is None and (inviter is None or inviter.role < Role.MEMBER):
        problem = "invite.revoked"  # the inviter is no longer in (codes are revoked then too)
    if problem is None and inviter is not None and not invite_still_allowed(
        inviter.grants,
        ctx.settings.members.invites_per_member,
        await tx.invitations.used_count(inviter.id),
    ):
        problem = "invite.revoked"  # made as a coordinator, beyond what a member may invite
    if problem is not None or invitation is None or inviter is None:
        await ctx.audit("join", "bad_code", problem or "")
        raise UserError(problem or "invite.unknown")
    if not await tx.invitations.use(invitation.id, member.id):
        raise UserError("invite.used")
    was_pending = member.is_pending
    await tx.members.admit(
        member.id, message.platform, sponsor_id=inviter.id, scope=invitation.tags
    )
    if invitation.tags:
        await tx.members.subscribe(member.id, invitation.tags)
    await ctx.audit("join", "done", f"invited by {inviter.short_id}")
    if was_pending:
        await close_notifications(
            ctx, member.id, "join.decided_invited", name=member.display_name,
            id=member.short_id, by=inviter.display_name,
        )
    await _welcome(ctx, sponsor=inviter, subscribed=tuple(invitation.tags))
    target = _private_target(ctx, inviter)
    if target is not None:
        lang = pick_lang(inviter.lang, ctx.network.lang)
        notice = spans(lang, "invite.used_notice", name=member.display_name, id=member.short_id)
        await ctx.send(target, OutgoingMessage(notice), Priority.REPLY, lang=lang)
