"""Alerts: raise one, acknowledge it, list them, cancel one everywhere.

Before an alert fans out: its scope is settled (a member's untagged alert
stays in the room's scope), the sender's right over that scope is checked,
the same link alerted moments ago points to the first alert instead, and a
member's hourly allowance is counted.
"""

from __future__ import annotations

from bot.commands import Context, Id, Rest, Router, UserError
from bot.domain import (
    Alert,
    AlertStatus,
    AlertTextError,
    Counted,
    Kind,
    OutgoingMessage,
    Role,
    Span,
    Target,
    TargetKind,
    format_id,
    parse_alert_text,
)
from bot.domain.alert_limits import (
    canonical_url,
    duplicate_covers,
    next_alert_at,
    widened_scope,
)
from bot.domain.alerts import AlertDraft, split_urgent
from bot.domain.durations import format_elapsed, format_local_time
from bot.domain.rights import (
    alert_limit_applies,
    alert_refusal,
    default_alert_scope,
    may_cancel_alert,
)
from bot.domain.timeline import AlertClock, ArchivedClip, Entry, Milestone, alert_clock
from bot.i18n import count, pick_lang, spans
from bot.store import Priority
from bot.tasks import TaskSetup, alert_cancelled, cancellation, cards, changes
from handlers.relay import relay

router = Router("alerts")

RECENT_LIMIT = 10
RECENT_SCANNED = 200
"""Open alerts looked at for `alerts`: those the member may see among the latest."""


def _clock(ctx: Context, at: float) -> str:
    return format_local_time(at, ctx.network.timezone, ctx.clock())


async def load_visible(ctx: Context, alert_id: int, command: str) -> Alert:
    """The alert, if this member may see it (`bot.domain.rights.may_see`); otherwise the
    answer is the one for an id that does not exist, so nothing of it leaks (the audit
    log keeps the attempt)."""
    alert = await ctx.tx.alerts.get(alert_id)
    if alert is not None and not ctx.sees(alert.scope, alert.author_member_id):
        await ctx.audit(command, "refused", f"{alert.short_id} out of sight")
        alert = None
    if alert is None:
        raise UserError("alert.not_found", id=format_id(Kind.ALERT, alert_id))
    return alert


@router.command(
    "alert",
    aliases=("alerte",),
    args=(Rest("text"),),
    role=Role.MEMBER,
    summary=(
        "Lancer une alerte aux salons et aux abonnés",
        "Raise an alert to rooms and subscribers",
    ),
    usage=("alert [!urgent] <texte> [url] [#tags]", "alert [!urgent] <text> [url] [#tags]"),
    details=(
        "Avec des #tags, l'alerte va aux salons et abonnés qui partagent un de ces tags. Sans "
        "#tag, elle reste dans le périmètre du salon où vous l'écrivez ; tout le réseau "
        "(sans tag ou #national) est réservé aux coordinateurs du réseau. Le même lien déjà "
        "signalé renvoie à la première alerte, et le nombre d'alertes par heure est limité. "
        "alert !urgent … (coordinateurs du périmètre) passe les heures calmes et les résumés.",
        "With #tags the alert goes to rooms and subscribers sharing one of them. Without a "
        "#tag it stays in the scope of the room you type it in; the whole network (no tag, or "
        "#national) is for the network's coordinators. A link already alerted points to the "
        "first alert, and alerts per hour are limited. alert !urgent … (coordinators of the "
        "scope) goes through quiet hours and digests.",
    ),
)
async def alert(ctx: Context, text: str) -> None:
    settings = ctx.settings.alerts
    urgent, text = split_urgent(text)
    try:
        draft = parse_alert_text(text, settings.max_length)
    except AlertTextError as error:
        raise UserError(error.key, **error.params) from None
    draft = await _settle_scope(ctx, draft)
    if urgent and not ctx.has_role(Role.COORDINATOR, draft.scope):
        await ctx.refuse(
            "alert", "alert.urgent_scope_refused",
            detail=" ".join(draft.scope) or "network-wide",
            scope=ctx.scope_text(draft.scope),
        )
    url_key = canonical_url(draft.url) if draft.url else None
    to_widen: Alert | None = None
    if url_key is not None and settings.duplicate_window > 0:
        since = ctx.clock() - settings.duplicate_window
        earlier_ones = await ctx.tx.alerts.open_with_url(url_key, since)
        for earlier in earlier_ones:
            if duplicate_covers(earlier.scope, draft.scope, ctx.aliases):
                await _duplicate(ctx, earlier)
                return
        # Reaching further than an alert of the same link you can see: that alert is
        # widened, so the work stays in one place (one clock, one set of tasks). One you
        # cannot see (another scope's) is left alone: your scope never got it.
        to_widen = next(
            (e for e in earlier_ones if ctx.sees(e.scope, e.author_member_id)), None
        )
    if alert_limit_applies(ctx.member.grants, draft.scope, ctx.aliases):
        await _check_allowance(ctx, settings.per_member_per_hour)
    if to_widen is not None:
        await _widen(ctx, to_widen, draft.scope)
        return
    created = await ctx.tx.alerts.create(
        draft,
        author_member_id=ctx.member.id,
        author_name=ctx.member.display_name,
        origin_platform=ctx.message.platform,
        origin_chat_id=ctx.message.chat_id,
        origin_label=ctx.room_label if not ctx.message.is_private else ctx.t("alert.private"),
        origin_private=ctx.message.is_private,
        url_key=url_key,
        urgent=urgent,
        now=ctx.clock(),
    )
    setup = TaskSetup(ctx.settings, ctx.platforms)
    tasks = await changes.auto_tasks(ctx.tx, setup, created, ctx.member, ctx.clock())
    reach = await relay(ctx, created, tasks, leave_out=ctx.origin)
    receipt = spans(
        ctx.lang,
        "alert.sent",
        id=created.short_id,
        rooms=count(ctx.lang, "count.rooms", reach.rooms),
        members=count(ctx.lang, "count.members", reach.members),
    )
    if reach.held:
        receipt += (Span(" "), Span(count(ctx.lang, "alert.held", reach.held)))
    if urgent:
        receipt += (Span(" "), *spans(ctx.lang, "alert.urgent_sent"))
    if tasks:
        names = ", ".join(cards.title(task, ctx.lang) for task in tasks)
        receipt += (Span(" "), *spans(ctx.lang, "task.auto_created", tasks=names))
    await ctx.reply_message(OutgoingMessage(receipt))
    if reach.unreachable:
        await ctx.reply(
            "alert.unreachable", unreachable=Counted("count.unreachable", reach.unreachable)
        )


async def _duplicate(ctx: Context, earlier: Alert) -> None:
    """The same link, already alerted for at least this scope: no second relay."""
    visible = ctx.sees(earlier.scope, earlier.author_member_id)
    await ctx.reply(
        "alert.duplicate",
        buttons=(cards.ack_button(ctx.lang, earlier.short_id),) if visible else (),
        id=earlier.short_id,
        at=_clock(ctx, earlier.created_at.timestamp()),
    )


async def _widen(ctx: Context, earlier: Alert, scope: tuple[str, ...]) -> None:
    """The same link alerted for tags its alert did not reach: those get that alert."""
    wider = widened_scope(earlier.scope, scope, ctx.aliases)
    await ctx.tx.alerts.widen(earlier.id, wider)
    widened = await ctx.tx.alerts.get(earlier.id)
    assert widened is not None
    tasks = await ctx.tx.tasks.for_alert(earlier.id)
    kind = TargetKind.USER if earlier.origin_private else TargetKind.ROOM
    first_origin = Target(earlier.origin_platform, kind, earlier.origin_chat_id)
    reach = await relay(ctx, widened, tasks, leave_out=first_origin, reached=earlier.scope)
    await ctx.audit("alert", "widened", f"{earlier.short_id} {' '.join(scope) or '*'}")
    added = tuple(t for t in wider if t not in earlier.scope)
    await ctx.reply(
        "alert.duplicate_widened",
        buttons=(cards.ack_button(ctx.lang, earlier.short_id),),
        id=earlier.short_id,
        at=_clock(ctx, earlier.created_at.timestamp()),
        rooms=count(ctx.lang, "count.rooms", reach.rooms),
        members=count(ctx.lang, "count.members", reach.members),
        scope=ctx.scope_text(added),
    )


async def _settle_scope(ctx: Context, draft: AlertDraft) -> AlertDraft:
    """The alert's real scope, or a refusal when the sender may not reach it."""
    settings = ctx.settings.alerts
    scope = default_alert_scope(
        draft.scope,
        ctx.room.tags if ctx.room is not None else None,
        ctx.member.grants,
        ctx.aliases,
        national_by_members=settings.national_by_members,
    )
    refusal = alert_refusal(
        ctx.member.grants,
        scope,
        ctx.aliases,
        national_by_members=settings.national_by_members,
        member_max_tags=settings.member_max_tags,
    )
    if refusal is not None:
        await ctx.refuse(
            "alert", refusal, detail=" ".join(scope) or "network-wide",
            limit=settings.member_max_tags,
        )
    return AlertDraft(draft.text, draft.url, scope)


async def _check_allowance(ctx: Context, per_hour: int) -> None:
    now = ctx.clock()
    recent = await ctx.tx.alerts.raised_since(ctx.member.id, now - 3600)
    allowed_at = next_alert_at(recent, per_hour, now)
    if allowed_at is None:
        return
    await ctx.refuse(
        "alert",
        "alert.rate_limited",
        detail=f"{len(recent)} in the last hour",
        alerts=Counted("count.alerts", per_hour),
        at=format_local_time(allowed_at, ctx.network.timezone, now),
        minutes=max(1, int((allowed_at - now + 59) // 60)),
    )


@router.command(
    "ack",
    aliases=("ok", "jemenoccupe"),
    args=(Id("alert", kind=Kind.ALERT),),
    role=Role.MEMBER,
    summary=("Dire que vous vous occupez d'une alerte", "Say you are on an alert"),
    usage="ack A17",
)
async def ack(ctx: Context, alert: int) -> None:
    found = await load_visible(ctx, alert, "ack")
    if found.status is not AlertStatus.OPEN:
        raise UserError("alert.is_cancelled", id=found.short_id)
    if not await ctx.tx.alerts.ack(
        found.id, ctx.member.id, ctx.member.display_name, ctx.clock()
    ):
        await ctx.reply("ack.already", id=found.short_id)
        return
    kind = TargetKind.USER if found.origin_private else TargetKind.ROOM
    origin = Target(found.origin_platform, kind, found.origin_chat_id)
    origin_room = await ctx.tx.rooms.get(found.origin_platform, found.origin_chat_id)
    author = await ctx.tx.members.get(found.author_member_id)
    lang = pick_lang(
        origin_room.lang if origin_room else (author.lang if author else None), ctx.network.lang
    )
    notice = OutgoingMessage(
        spans(lang, "ack.notice", name=ctx.member.display_name, id=found.short_id)
    )
    await ctx.send(origin, notice, Priority.ALERT, lang=lang)
    if origin != ctx.origin:
        await ctx.reply("ack.done", id=found.short_id)


@router.command(
    "alerts",
    aliases=("alertes",),
    args=(Id("alert", kind=Kind.ALERT, optional=True),),
    role=Role.MEMBER,
    summary=(
        "Les alertes en cours, ou le détail d'une alerte",
        "Open alerts, or one alert's detail",
    ),
    usage=("alerts [A17]", "alerts [A17]"),
)
async def alerts(ctx: Context, alert: int | None) -> None:
    if alert is not None:
        await show_clock(ctx, await load_visible(ctx, alert, "alerts"))
        return
    recent = [
        item
        for item in await ctx.tx.alerts.recent(RECENT_SCANNED)
        if ctx.sees(item.scope, item.author_member_id)
    ][:RECENT_LIMIT]
    if not recent:
        await ctx.reply("alerts.none")
        return
    lines = [ctx.t("alerts.header")]
    for item in recent:
        excerpt = item.text if len(item.text) <= 80 else item.text[:79] + "…"
        lines.append(
            ctx.t(
                "alerts.line",
                id=item.short_id,
                at=_clock(ctx, item.created_at.timestamp()),
                author=item.author_name,
                origin=item.origin_label,
                acks=count(ctx.lang, "count.acks", len(item.acks)),
                text=excerpt,
            )
        )
    total = await ctx.tx.alerts.open_count()
    if total > len(recent):
        lines.append(ctx.t("alerts.more", more=Counted("count.more", total - len(recent)),
                           prefix=ctx.limits.command_prefix, id=recent[0].short_id))
    await ctx.reply_text("\n".join(lines))


@router.command(
    "cancel",
    aliases=("annuler",),
    args=(Id("alert", kind=Kind.ALERT),),
    role=Role.MEMBER,
    summary=("Annuler une alerte partout", "Cancel an alert everywhere"),
    usage="cancel A17",
    details=(
        "Réservé à l'auteur de l'alerte et aux coordinateurs de son périmètre. Chaque copie "
        "relayée devient « [annulée] … ».",
        "For the alert's author and the coordinators of its scope. Every relayed copy "
        'becomes "[cancelled] …".',
    ),
)
async def cancel(ctx: Context, alert: int) -> None:
    found = await load_visible(ctx, alert, "cancel")
    if not may_cancel_alert(
        ctx.member.id, ctx.member.grants, found.author_member_id, found.scope, ctx.aliases
    ):
        await ctx.refuse("cancel", "alert.cancel_refused", detail=found.short_id,
                         id=found.short_id)
    if found.status is AlertStatus.CANCELLED:
        raise UserError("alert.is_cancelled", id=found.short_id)
    await ctx.tx.alerts.cancel(found.id, ctx.member.id, ctx.clock())
    if found.author_member_id != ctx.member.id:
        await ctx.audit("cancel", "done", found.short_id)
    cancelled = await load_visible(ctx, alert, "cancel")
    setup = TaskSetup(ctx.settings, ctx.platforms)
    now = ctx.clock()
    await alert_cancelled(ctx.tx, setup, cancelled, ctx.member, now)
    # A national alert's 151,000 copies are corrected in batches after this answer.
    correction = await cancellation.start(ctx.tx, setup, cancelled, ctx.origin, ctx.lang, now)
    copies = count(ctx.lang, "count.copies", correction.fixed)
    key = "alert.cancelled" if correction.done else "alert.cancelling"
    await ctx.reply(key, id=found.short_id, copies=copies)


async def show_clock(ctx: Context, alert: Alert) -> None:
    """The rapid-response clock: each step with its time and its delay from the alert."""
    tasks = await ctx.tx.tasks.for_alert(alert.id)
    events = await ctx.tx.tasks.events_for_alert(alert.id)
    clip = await ctx.tx.clips.first_archived_for_alert(alert.id)
    archived = (
        ArchivedClip(clip.short_id, clip.finished_at.timestamp())
        if clip is not None and clip.finished_at is not None
        else None
    )
    clock = alert_clock(alert, tasks, events, archived)
    lines = [
        ctx.t(
            "alerts.detail_header",
            id=alert.short_id,
            author=alert.author_name,
            origin=alert.origin_label,
            text=alert.text[:300],
        )
    ]
    lines += [_clock_line(ctx, clock, entry) for entry in clock.entries]
    if not alert.acks and not any(e.what is Milestone.CLAIMED for e in clock.entries):
        lines.append(ctx.t("alerts.detail_no_ack"))
    lines.append(_summary(ctx, clock))
    await ctx.reply_text("\n".join(lines))


def _clock_line(ctx: Context, clock: AlertClock, entry: Entry) -> str:
    return cards.clock_line(clock, entry, ctx.lang, _clock(ctx, entry.at))


def _summary(ctx: Context, clock: AlertClock) -> str:
    parts = [
        ctx.t(f"clock.part.{name}", after=format_elapsed(seconds))
        for name, seconds in clock.firsts.items()
    ]
    if not parts:
        return ctx.t("clock.summary_none")
    return ctx.t("clock.summary", parts=", ".join(parts))
