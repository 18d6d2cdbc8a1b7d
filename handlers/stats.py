"""`stats`: the barometer in chat.

`stats me` (or nothing): your last 30 days beside the network's median;
`stats network` and `stats #tag` (coordinators): this week against the one
before; `stats A17`: an alert's clock and where its copies went; `stats C4`
and `stats P3` (coordinators): a content's or a push's outcome, counted by
the content family (`handlers.pushes`).
"""

from __future__ import annotations

from bot.commands import Context, Router, UserError, Word
from bot.domain import NATIONAL, Counted, Kind, Role, format_id, parse_short_id
from bot.domain.alerts import alert_subject
from bot.domain.durations import format_elapsed
from bot.domain.stats import (
    MEMBER_PERIOD,
    METRICS,
    MemberBarometer,
    ScopeWeek,
    bar,
    nice_number,
    weeks,
)
from bot.domain.tags import InvalidTag, normalize_tag
from bot.i18n import count
from handlers.alerts import load_visible, show_clock
from handlers.pushes import content_stats, push_stats

router = Router("stats")

_ME = frozenset({"me", "moi", "mine"})
_NETWORK = frozenset({"network", "reseau", "réseau", "all", "tout", "national"})


@router.command(
    "stats",
    aliases=("barometre", "baromètre", "statistiques"),
    args=(Word("what", optional=True, max_length=80),),
    role=Role.MEMBER,
    summary=(
        "Le baromètre : vous, un périmètre, le réseau",
        "The barometer: you, a scope, the network",
    ),
    usage=("stats [me|#tag|network|A17|C4|P3]", "stats [me|#tag|network|A17|C4|P3]"),
    details=(
        "stats me : vos 30 derniers jours face à la médiane du réseau. stats #tag et stats "
        "network (coordinateurs) : les 7 derniers jours face aux 7 d'avant. stats A17 : le "
        "chrono d'une alerte et sa diffusion. stats C4 (coordinateurs) : ses publications, "
        "ce que chaque cible a reçu, les kits envoyés, les partages faits, les clics.",
        "stats me: your last 30 days beside the network's median. stats #tag and stats "
        "network (coordinators): the last 7 days against the 7 before. stats A17: an alert's "
        "clock and where its copies went. stats C4 (coordinators): its pushes, what each "
        "target got, kits sent, shares done, clicks.",
    ),
)
async def stats(ctx: Context, what: str | None) -> None:
    word = (what or "me").strip()
    folded = word.casefold()
    if folded in _ME:
        await _member(ctx)
        return
    if folded in _NETWORK:
        await _scope(ctx, None)
        return
    short = parse_short_id(word)
    if short is not None and not word.startswith("#"):
        if short.kind is Kind.ALERT:
            await _alert(ctx, short.number)
            return
        if short.kind in (Kind.CONTENT, Kind.PUSH):
            await _content(ctx, short.kind, short.number)
            return
        raise UserError("stats.bad_id", value=word[:20])
    try:
        tag = normalize_tag(word)
    except InvalidTag:
        raise UserError("stats.bad_target", value=word[:40]) from None
    if ctx.aliases.canonical(tag) == ctx.aliases.canonical(NATIONAL):
        await _scope(ctx, None)
        return
    await _scope(ctx, tag)


# -- stats me ----------------------------------------------------------------------------------


async def _member(ctx: Context) -> None:
    now = ctx.clock()
    barometer = await ctx.tx.stats.member(ctx.member.id, now - MEMBER_PERIOD)
    example = await ctx.tx.alerts.latest_involving(ctx.member.id)
    await ctx.reply_text("\n".join(member_lines(ctx, barometer, example)))


def member_lines(ctx: Context, barometer: MemberBarometer, example: int | None) -> list[str]:
    """The barometer; `example`, an alert of theirs, is what the last line offers to open."""
    lines = [ctx.t("stats.me_header", id=ctx.member.short_id)]
    for name in METRICS:
        mine = float(getattr(barometer.mine, name))
        median = barometer.medians.get(name)
        scale = max(mine, median or 0.0, 1.0)
        lines.append(
            ctx.t(
                f"stats.me.{name}",
                mine=nice_number(mine),
                bar=bar(mine, scale) or "·",
                median=nice_number(median),
                median_bar=bar(median or 0.0, scale) or "·",
            )
        )
    if example is not None:
        lines.append(ctx.t("stats.me_footer", id=format_id(Kind.ALERT, example)))
    return lines


# -- stats network, stats #tag -----------------------------------------------------------------


async def _scope(ctx: Context, tag: str | None) -> None:
    scope = (tag,) if tag else None
    if not ctx.has_role(Role.COORDINATOR, scope):
        where = f"#{tag}" if tag else ctx.t("scope.network")
        await ctx.refuse("stats", "stats.refused", detail=where, where=where,
                         role=ctx.t("role.coordinator"))  # fmt: skip
    names = ctx.aliases.synonyms(tag) if tag else None
    this, last = weeks(ctx.clock())
    now_week = await ctx.tx.stats.scope_week(this, names, new_members=tag is None)
    before = await ctx.tx.stats.scope_week(last, names, new_members=tag is None)
    await ctx.reply_text("\n".join(scope_lines(ctx, tag, now_week, before)))


def scope_lines(ctx: Context, tag: str | None, this: ScopeWeek, last: ScopeWeek) -> list[str]:
    where = f"#{tag}" if tag else ctx.t("scope.network")
    lines = [ctx.t("stats.scope_header", where=where)]

    def counted(key: str, now: int, before: int) -> None:
        scale = max(now, before, 1)
        lines.append(
            ctx.t(key, now=now, before=before, bar=bar(now, scale) or "·",
                  before_bar=bar(before, scale) or "·")
        )

    def timed(key: str, now: float | None, before: float | None) -> None:
        lines.append(
            ctx.t(key, now=_elapsed(ctx, now), before=_elapsed(ctx, before),
                  trend=_trend(now, before))
        )

    counted("stats.scope.alerts", this.alerts, last.alerts)
    timed("stats.scope.first_ack", this.first_ack, last.first_ack)
    timed("stats.scope.first_clip", this.first_clip, last.first_clip)
    counted("stats.scope.tasks_done", this.tasks_done, last.tasks_done)
    counted("stats.scope.active", this.active_members, last.active_members)
    if this.new_members is not None and last.new_members is not None:
        counted("stats.scope.new_members", this.new_members, last.new_members)
    return lines


def _elapsed(ctx: Context, seconds: float | None) -> str:
    return ctx.t("stats.none") if seconds is None else format_elapsed(seconds)


def _trend(now: float | None, before: float | None) -> str:
    """Faster than the week before is better: ▼ is good news for a delay."""
    if now is None or before is None or now == before:
        return ""
    return " ▼" if now < before else " ▲"


# -- stats A17 ---------------------------------------------------------------------------------


async def _alert(ctx: Context, alert_id: int) -> None:
    alert = await load_visible(ctx, alert_id, "stats")
    copies = await ctx.tx.stats.deliveries(alert_subject(alert_id))
    held = await ctx.tx.stats.held(alert_id)
    await show_clock(ctx, alert)
    # The members the receipts announced (private copies, role mentions, digests), as
    # kept on the alert; older alerts: what the outbox and the digests still hold.
    members = alert.reach_members if alert.reach_members is not None else copies.members + held
    digest = alert.reach_digest if alert.reach_digest is not None else held
    lines = [
        ctx.t(
            "stats.alert_copies",
            id=alert.short_id,
            rooms=count(ctx.lang, "count.rooms", copies.rooms),
            members=count(ctx.lang, "count.members", members),
            sent=Counted("count.delivered", copies.sent),
            waiting=copies.waiting,
            failed=Counted("count.failures", copies.failed),
        )
    ]
    if digest:
        lines.append(
            ctx.t(
                "stats.alert_digests", digest=digest, held=held, released=max(0, digest - held)
            )
        )
    await ctx.reply_text("\n".join(lines))


# -- stats C4, stats P3: content and pushes ----------------------------------------------------


async def _content(ctx: Context, kind: Kind, number: int) -> None:
    """Content and pushes are the coordinators' work: their figures are theirs."""
    if ctx.member.role < Role.COORDINATOR:
        await ctx.refuse(
            "stats", "refused.role", detail=format_id(kind, number),
            role=ctx.t("role.coordinator"),
        )
    if kind is Kind.CONTENT:
        await content_stats(ctx, number)
    else:
        await push_stats(ctx, number)
