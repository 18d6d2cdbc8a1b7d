"""`short URL`, `links [mine]`, `dashboard`: the chat side of the web server."""

from __future__ import annotations

from bot.commands import Context, Router, Tags, UsageError, UserError, Word
from bot.domain import Counted, Kind, OutgoingMessage, Role, Span, format_id, parse_short_id
from bot.domain.oversight import oversight_of, watches
from bot.domain.rights import link_allowance_applies
from bot.domain.short_links import MAX_URL_LENGTH, LinkRefused, check_target, day_of
from bot.domain.web_urls import login_url, short_url
from bot.pushes.links import KITS
from handlers import admission

router = Router("web")

MAX_LINK_TAGS = 3
LISTED_LINKS = 10
RECENT_DAYS = 7
LOGINS_PER_HOUR = 10
HOUR = 3600.0
MINE = frozenset({"mine", "moi", "miens", "mes"})
DAY = 86_400.0


def _base(ctx: Context) -> str:
    web = ctx.settings.web
    if not web.enabled:
        raise UserError("web.off")
    return web.base_url


@router.command(
    "short",
    aliases=("court", "raccourcir"),
    args=(Word("url", max_length=MAX_URL_LENGTH + 10), Tags("tags")),
    role=Role.MEMBER,
    summary=("Un lien court qui compte les visites", "A short link that counts visits"),
    usage=("short <url> [#tags]", "short <url> [#tags]"),
    details=(
        "Le lien court redirige vers l'adresse donnée et compte les visites, par jour, "
        "sans rien garder des visiteurs ; elles vous sont attribuées (links). Les aperçus "
        "des messageries ne comptent pas.",
        "The short link redirects to the address and counts visits per day, keeping "
        "nothing about visitors; they are credited to you (links). Link previews made "
        "by chat apps do not count.",
    ),
)
async def short(ctx: Context, url: str, tags: tuple[str, ...]) -> None:
    base = _base(ctx)
    web = ctx.settings.web
    try:
        target = check_target(url)
    except LinkRefused as error:
        raise UserError(error.key, **error.params) from None
    if len(tags) > MAX_LINK_TAGS:
        raise UserError("short.too_many_tags", limit=MAX_LINK_TAGS)
    now = ctx.clock()
    allowance = web.links_per_member_per_hour
    if allowance and link_allowance_applies(ctx.member.grants):
        made = await ctx.tx.links.made_since(ctx.member.id, now - HOUR)
        if made >= allowance:
            await ctx.refuse("short", "short.rate_limited", detail=f"{made} in the last hour",
                             links=Counted("count.short_links", allowance))
    expires_at = now + web.link_days * DAY if web.link_days else None
    link = await ctx.tx.links.mint(
        target, owner_id=ctx.member.id, now=now, scope=tags, expires_at=expires_at
    )
    await ctx.reply("short.made", link=short_url(base, link.code), url=target[:300])


@router.command(
    "links",
    aliases=("liens",),
    args=(Word("which", optional=True, max_length=20),),
    role=Role.MEMBER,
    summary=("Vos liens courts et leurs visites", "Your short links and their visits"),
    usage=("links [mine|C4]", "links [mine|C4]"),
    details=(
        "links C4 (coordinateurs) : les visites des liens des diffusions de C4, par "
        "plateforme, et celles des liens des membres qui l'ont partagé.",
        "links C4 (coordinators): the visits of C4's pushes' links, per platform, and of the "
        "links of the members who shared it.",
    ),
)
async def links(ctx: Context, which: str | None) -> None:
    content_id = parse_short_id(which, Kind.CONTENT) if which else None
    if content_id is not None:
        await _content_links(ctx, content_id.number)
        return
    if which is not None and which.casefold() not in MINE:
        raise UsageError("links.bad_which", value=which[:20])
    base = _base(ctx)
    now = ctx.clock()
    counted = await ctx.tx.links.counts(
        owner_id=ctx.member.id, since_day=day_of(now) - RECENT_DAYS + 1, limit=LISTED_LINKS
    )
    if not counted:
        await ctx.reply("links.none")
        return
    total_links, total_visits = await ctx.tx.links.total_for_owner(ctx.member.id)
    lines = [ctx.t("links.header", links=Counted("count.links", total_links),
                   visits=Counted("count.visits", total_visits))]
    for item in counted:
        lines.append(
            ctx.t(
                "links.line",
                link=short_url(base, item.link.code),
                visits=Counted("count.visits", item.visits),
                recent=item.recent,
                days=RECENT_DAYS,
                url=item.link.url if len(item.link.url) <= 80 else item.link.url[:79] + "…",
                expired=ctx.t("links.expired") if item.link.expired(now) else "",
            )
        )
    if total_links > len(counted):
        more = Counted("count.more", total_links - len(counted))
        lines.append(ctx.t("links.more", more=more, shown=len(counted)))
    await ctx.reply_text("\n".join(lines))


async def _content_links(ctx: Context, content_id: int) -> None:
    """Visits of a content's push links per platform, and of each sharer's own link."""
    _base(ctx)
    content = await ctx.tx.content.get(content_id)
    if content is None:
        raise UserError("content.not_found", id=format_id(Kind.CONTENT, content_id))
    view = oversight_of(ctx.member.grants, ctx.aliases)
    if view is None or not watches(view, content.scope, ctx.aliases):
        await ctx.refuse("links", "links.content_refused", detail=content.short_id,
                         id=content.short_id)
    pushes = await ctx.tx.pushes.for_content(content.id)
    lines: list[str] = []
    total = 0
    for push in pushes:
        places = await ctx.tx.links.visits_by_place([push.subject])
        if not places:
            continue
        total += sum(places.values())
        owners = await ctx.tx.links.visits_by_owner(push.subject)
        names = await ctx.tx.dashboard.names(owners)
        posted = ", ".join(
            f"{place} {n}" for place, n in sorted(places.items()) if place != KITS
        ) or ctx.t("links.none_posted")
        sharers = ", ".join(
            f"{names[m].name if m in names else '?'} {n}"
            for m, n in sorted(owners.items(), key=lambda item: -item[1])[:LISTED_LINKS]
        )
        lines.append(ctx.t("links.push_line", id=push.short_id, posted=posted,
                           kits=places.get(KITS, 0), sharers=sharers or "—"))
    if not lines:
        await ctx.reply("links.content_none", id=content.short_id)
        return
    await ctx.reply_text("\n".join([ctx.t("links.content_header", id=content.short_id,
                                          visits=Counted("count.visits", total)), *lines]))


@router.command(
    "dashboard",
    aliases=("tableau", "tdb"),
    role=Role.COORDINATOR,
    summary=("Un lien de connexion au tableau de bord", "A login link to the dashboard"),
    usage="dashboard",
    details=(
        "Le lien arrive en privé, sert une seule fois et expire au bout de quelques minutes. "
        "Le tableau de bord montre ce qui se passe dans vos périmètres.",
        "The link comes privately, works once and expires after a few minutes. The "
        "dashboard shows what happens in your scopes.",
    ),
)
async def dashboard(ctx: Context) -> None:
    base = _base(ctx)
    web = ctx.settings.web
    now = ctx.clock()
    destination = admission.private_destination(ctx, "dashboard.dm_first")
    if await ctx.tx.web_sessions.logins_since(ctx.member.id, now - HOUR) >= LOGINS_PER_HOUR:
        await ctx.refuse("dashboard", "dashboard.too_many",
                         links=Counted("count.login_links", LOGINS_PER_HOUR))
    token = await ctx.tx.web_sessions.new_login(ctx.member.id, now, web.login_minutes * 60)
    await ctx.audit("dashboard", "done")
    body = OutgoingMessage(
        (Span(ctx.t("dashboard.link", link=login_url(base, token),
                    minutes=f"{web.login_minutes:g}")),)
    )
    await ctx.send_secret(destination, body)
    if destination != ctx.origin:
        await ctx.reply("dashboard.sent_privately")
