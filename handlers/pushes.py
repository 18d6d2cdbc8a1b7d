"""Pushes: schedule approved content to rooms, channels and accounts; list; cancel; share.

`push C4 at 08:00 to #retraites mastodon bluesky` is for the coordinators of
everything it touches (the content's scope, the rooms' tags, each account's
scope). `unpush P3` stops it: nothing of it starts after the answer. Every
run reports each target's outcome in the room it was scheduled from.
"""

from __future__ import annotations

from bot.commands import Context, Id, Rest, Router, UserError
from bot.domain import Counted, Kind, Role, parse_short_id
from bot.domain.content import ContentError
from bot.domain.durations import format_local_time
from bot.domain.pushes import Push, RunStatus, TargetState, parse_push_request
from bot.i18n import count
from bot.pushes import decisions as rules
from bot.pushes import firing, reports
from bot.pushes.links import link_clicks
from handlers.content import actor_of, run_rule, setup_of

router = Router("pushes")

LIST_LIMIT = 10
RECENT_SECONDS = 7 * 86_400


def _when(ctx: Context, at: float) -> str:
    return format_local_time(at, ctx.network.timezone, ctx.clock())


@router.command(
    "push",
    aliases=("publier", "pousser"),
    args=(Rest("request"),),
    role=Role.COORDINATOR,
    summary=(
        "Programmer la publication d'un contenu approuvé",
        "Schedule approved content to go out",
    ),
    usage=(
        "push C4 [now|at 18:00|in 2h|every day 08:00 until 2027-01-15] "
        "[to #tags|rooms|channel|mastodon|bluesky|x] — push P3 now",
        "push C4 [now|at 18:00|in 2h|every day 08:00 until 2027-01-15] "
        "[to #tags|rooms|channel|mastodon|bluesky|x] — push P3 now",
    ),
    details=(
        "Sans « to » : les salons du périmètre du contenu. Les heures sont celles du réseau. "
        "Français : maintenant, à 18:00, à demain 08:00, dans 2h, chaque jour 08:00 "
        "jusqu'au 15/01/2027 (ou 10 fois), vers mastodon. « push P3 now » publie un envoi "
        "retenu (le bot était arrêté) ou avance le prochain.",
        "Without \"to\": the rooms of the content's scope. Times are the network's. Also: "
        'at tomorrow 08:00, every monday 08:00 10 times. "push P3 now" sends a held run '
        "(the bot was down) or brings the next one forward.",
    ),
)
async def push(ctx: Context, request: str) -> None:
    words = request.split()
    short = parse_short_id(words[0]) if words else None
    if short is None or short.kind not in (Kind.CONTENT, Kind.PUSH):
        raise UserError("push.which", value=(words[0] if words else "")[:20])
    setup = setup_of(ctx)
    now = ctx.clock()
    if short.kind is Kind.PUSH:
        rest = [w.casefold() for w in words[1:]]
        if rest not in (["now"], ["maintenant"]):
            raise UserError("push.p_now_only", id=str(short))
        key = await run_rule(
            ctx,
            "push",
            firing.push_now(ctx.tx, setup, short.number, actor_of(ctx), ctx.aliases, now),
        )
        await ctx.audit("push", "done", f"{short} now")
        await ctx.reply(key, id=str(short))
        return
    try:
        parsed = parse_push_request(
            words[1:], now, ctx.network.timezone, max_repeat=ctx.settings.push.max_repeat
        )
    except ContentError as error:
        raise UserError(error.key, **error.params) from None
    try:
        created = await run_rule(
            ctx,
            "push",
            rules.schedule_push(
                ctx.tx, setup, short.number, parsed, actor_of(ctx), ctx.aliases, now
            ),
        )
    except UserError as error:
        if error.key == "push.x_quota":
            error.params["at"] = _when(ctx, float(str(error.params["at"])))
        raise
    await ctx.audit("push", "done", f"{created.short_id} of C{short.number}")
    targets = " ".join(created.targets.words())
    if parsed.now:
        await ctx.reply("push.scheduled_now", id=created.short_id, targets=targets)
        return
    at = _when(ctx, created.first_at)
    content = f"C{short.number}"
    if created.rule.recurring:
        await ctx.reply(
            "push.scheduled_every",
            id=created.short_id,
            content=content,
            at=at,
            targets=targets,
            runs=created.rule.count,
        )
    else:
        await ctx.reply(
            "push.scheduled", id=created.short_id, content=content, at=at, targets=targets
        )


@router.command(
    "pushes",
    aliases=("publications", "envois"),
    role=Role.COORDINATOR,
    summary=(
        "Les publications prévues et récentes, cible par cible",
        "Scheduled and recent pushes, target by target",
    ),
    usage="pushes",
)
async def pushes(ctx: Context) -> None:
    now = ctx.clock()
    found = await ctx.tx.pushes.recent(now - RECENT_SECONDS, LIST_LIMIT)
    if not found:
        await ctx.reply("push.list_empty")
        return
    lines: list[str] = []
    for each in found:
        content = await ctx.tx.content.get(each.content_id)
        if content is None:
            continue
        runs = await ctx.tx.pushes.runs(each.id)
        held = bool(runs) and runs[-1].status is RunStatus.HELD
        lines.append(reports.describe_push(each, content, ctx.lang, ctx.network.timezone, now,
                                           held=held))  # fmt: skip
        if runs:
            last = runs[-1]
            if held:
                lines.append("  " + ctx.t("push.list_held", at=_when(ctx, last.due_at),
                                          id=each.short_id))  # fmt: skip
            else:
                result = await reports.outcome(ctx.tx, last)
                kits = len(await ctx.tx.pushes.kits_for_run(last.id))
                lines.append("  " + ctx.t("push.list_run", at=_when(ctx, last.due_at)))
                lines += [f"    {line}" for line in reports.outcome_lines(result, ctx.lang, kits)]
    total = await ctx.tx.pushes.recent_count(now - RECENT_SECONDS)
    if total > len(found):
        more = Counted("count.more", total - len(found))
        lines.append(ctx.t("push.list_more", more=more, shown=len(found)))
    await ctx.reply_text("\n".join(lines))


@router.command(
    "unpush",
    aliases=("depublier", "annulerpush"),
    args=(Id("push", kind=Kind.PUSH),),
    role=Role.COORDINATOR,
    summary=("Annuler une publication", "Cancel a push"),
    usage="unpush P3",
    details=(
        "Rien de P3 ne part après cette réponse. Ce qui était déjà publié (ou en cours "
        "d'envoi) est dit, avec ses liens, à retirer à la main si besoin.",
        "Nothing of P3 starts after this answer. What was already posted (or on its way) "
        "is listed, with its links, to take down by hand if needed.",
    ),
)
async def unpush(ctx: Context, push: int) -> None:
    done = await run_rule(
        ctx,
        "unpush",
        rules.unpush(ctx.tx, setup_of(ctx), push, actor_of(ctx), ctx.aliases, ctx.clock()),
    )
    await ctx.audit("unpush", "done", done.push.short_id)
    if not (done.already or done.rooms_out or done.rooms_sending or done.kits_out):
        await ctx.reply("push.unpushed_clean", id=done.push.short_id)
        return
    lines = [ctx.t("push.unpushed_partial", id=done.push.short_id)]
    if done.rooms_out:
        out = Counted("count.copies_out", done.rooms_out)
        lines.append(ctx.t("push.unpushed_rooms", copies=out))
    if done.rooms_sending:
        sending = Counted("count.copies_sending", done.rooms_sending)
        lines.append(ctx.t("push.unpushed_rooms", copies=sending))
    if done.kits_out:
        kits = Counted("count.kits_out", done.kits_out)
        lines.append(ctx.t("push.unpushed_rooms", copies=kits))
    for network, state, url in done.already:
        key = "push.unpushed_sent" if state is TargetState.SENT else "push.unpushed_unsure"
        lines.append(ctx.t(key, network=network.label, url=url or ""))
    await ctx.reply_text("\n".join(lines))


@router.command(
    "share",
    aliases=("partager", "jepartage"),
    args=(Id("push", kind=Kind.PUSH),),
    role=Role.MEMBER,
    summary=(
        "Recevoir le kit de partage d'une publication",
        "Get a push's share kit",
    ),
    usage="share P3",
    details=(
        "En privé : le texte pour X, Mastodon et Bluesky prêt à copier, le lien et le clip, "
        "et une tâche de partage (done T5 lien-du-partage). « subscribe share » : un kit à "
        "chaque publication de vos périmètres.",
        "Privately: the text for X, Mastodon and Bluesky ready to copy, the link and the "
        'clip, and a share task (done T5 link-of-your-share). "subscribe share": a kit '
        "with every push of your scopes.",
    ),
)
async def share(ctx: Context, push: int) -> None:
    key = await run_rule(
        ctx, "share", firing.volunteer(ctx.tx, setup_of(ctx), push, ctx.member, ctx.clock())
    )
    await ctx.reply(key, id=f"P{push}")


async def subscribe_share(ctx: Context, on: bool) -> None:
    """`subscribe share` / `unsubscribe share`: a kit with every push of one's scopes."""
    if on:
        await ctx.tx.pushes.subscribe_share(ctx.member.id, ctx.clock())
        await ctx.reply("share.subscribed")
    elif await ctx.tx.pushes.unsubscribe_share(ctx.member.id):
        await ctx.reply("share.unsubscribed")
    else:
        await ctx.reply("share.not_subscribed")


async def content_stats(ctx: Context, content_id: int) -> None:
    """`stats C4`: its pushes, what each target got, kits sent, shares done, clicks."""
    try:
        content = await rules.load_content(ctx.tx, content_id)
    except ContentError as error:
        raise UserError(error.key, **error.params) from None
    found = await ctx.tx.pushes.for_content(content.id)
    await _stats(ctx, content.short_id, content.text, found)


async def push_stats(ctx: Context, push_id: int) -> None:
    """`stats P3`: the same, for one push."""
    try:
        found = await rules.load_push(ctx.tx, push_id)
        content = await rules.load_content(ctx.tx, found.content_id)
    except ContentError as error:
        raise UserError(error.key, **error.params) from None
    await _stats(ctx, found.short_id, content.text, [found], content=content.id)


async def _stats(
    ctx: Context,
    title: str,
    text: str,
    found: list[Push],
    *,
    content: int | None = None,
) -> None:
    preview = " ".join(text.split())
    lines = [ctx.t("stats.header", id=title, preview=preview[:60])]
    runs = [run for each in found for run in await ctx.tx.pushes.runs(each.id)]
    ids = ", ".join(p.short_id for p in found) or "—"
    lines.append(ctx.t("stats.pushes", n=len(found), ids=ids,
                       runs=Counted("count.runs", len(runs))))
    rooms: dict[str, int] = {}
    for run in runs:
        for status, n in (await ctx.tx.pushes.copy_counts(run.subject)).items():
            rooms[status] = rooms.get(status, 0) + n
    if rooms:
        lines.append(
            ctx.t(
                "stats.rooms",
                sent=Counted("count.copies_delivered", rooms.get("sent", 0)),
                failed=rooms.get("failed", 0) + rooms.get("skipped", 0),
            )
        )
    posts: dict[tuple[str, str], int] = {}
    for each in found:
        for target in await ctx.tx.pushes.targets_of_push(each.id):
            key = (target.network.label, target.state.value)
            posts[key] = posts.get(key, 0) + 1
    for network in sorted({n for n, _ in posts}):
        states = ", ".join(
            count(ctx.lang, f"push.count.{state}_posts", n)
            for (net, state), n in posts.items()
            if net == network
        )
        lines.append(ctx.t("stats.network_line", network=network, states=states))
    kits, shared = await ctx.tx.pushes.kit_counts(p.id for p in found)
    lines.append(ctx.t("stats.kits", kits=Counted("push.count.kits", kits),
                       shared=Counted("count.shares_done", shared)))
    clicks = None
    if content is not None or found:
        loaded = await ctx.tx.content.get(content or found[0].content_id)
        clicks = await link_clicks(ctx.tx, loaded, ctx.lang) if loaded else None
    if clicks is None:
        lines.append(ctx.t("stats.no_clicks"))
    else:
        shown = ", ".join(f"{where} {n}" for where, n in sorted(clicks.items()))
        lines.append(ctx.t("stats.clicks", clicks=shown or "0"))
    await ctx.reply_text("\n".join(lines))
