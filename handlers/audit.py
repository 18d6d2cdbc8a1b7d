"""`audit [n] [@x]`: the latest refusals and privileged actions, for network admins."""

from __future__ import annotations

import re

from bot.commands import Context, Handle, Number, Router
from bot.domain import Counted, Kind, Role, format_id
from bot.domain.durations import format_elapsed, format_local_time
from bot.domain.messages import platform_label
from bot.domain.rights import may_read_audit
from bot.store.connection import Row

router = Router("audit")

DEFAULT_SHOWN = 10
MAX_SHOWN = 50
_OUTCOMES = ("done", "refused", "requested", "bad_code", "error")
_NEEDS = re.compile(r"^needs (\w+), has (\w+)$")
_ROLES = frozenset(role.name.lower() for role in Role)


@router.command(
    "audit",
    aliases=("journal",),
    args=(Number("n", optional=True, maximum=MAX_SHOWN), Handle("member", optional=True)),
    role=Role.ADMIN,
    summary=(
        "Le journal : refus et actions privilégiées",
        "The audit log: refusals and privileged actions",
    ),
    usage=("audit [nombre] [@pseudo]", "audit [number] [@name]"),
    details=(
        "Les dernières entrées (10 par défaut, 50 au plus), ou celles d'une personne. "
        "Réservé aux admins du réseau.",
        "The latest entries (10 by default, at most 50), or one person's. For the network's "
        "admins.",
    ),
)
async def audit(ctx: Context, n: int | None, member: str | None) -> None:
    if not may_read_audit(ctx.member.grants, ctx.aliases):
        await ctx.refuse("audit", "refused.network_admin", detail="network admin",
                         command="audit")
    who = await ctx.find_member(member) if member is not None else None
    rows = await ctx.tx.audit.recent(n or DEFAULT_SHOWN, who.id if who else None)
    if not rows:
        await ctx.reply("audit.none")
        return
    names: dict[int, str] = {}
    places: dict[tuple[str, str], str] = {}
    lines = [ctx.t("audit.header", entries=Counted("count.entries", len(rows)))]
    for row in rows:
        member_id = row["member_id"]
        name = str(row["user_id"])
        if isinstance(member_id, int):
            if member_id not in names:
                found = await ctx.tx.members.get(member_id)
                names[member_id] = (
                    f"{found.display_name} ({found.short_id})"
                    if found
                    else f"{name} ({format_id(Kind.MEMBER, member_id)})"
                )
            name = names[member_id]
        outcome = str(row["outcome"])
        shown = ctx.t(f"audit.outcome.{outcome}") if outcome in _OUTCOMES else outcome
        detail = _detail(ctx, str(row["detail"] or "")[:120])
        lines.append(
            ctx.t(
                "audit.line",
                at=_when(ctx, row["at"]),
                who=name,
                where=await _where(ctx, places, str(row["platform"]), row),
                command=f"{ctx.limits.command_prefix}{row['command']}",
                outcome=ctx.t("audit.detail", outcome=shown, detail=detail) if detail else shown,
            )
        )
    await ctx.reply_text("\n".join(lines))


def _detail(ctx: Context, detail: str) -> str:
    """The dispatcher's role refusals (`needs admin, has member`) in the reader's words."""
    match = _NEEDS.match(detail)
    if match is None or not all(r in _ROLES for r in match.groups()):
        return detail
    needed, has = (ctx.t(f"role.{r}") for r in match.groups())
    return ctx.t("audit.needs", needed=needed, has=has)


def _when(ctx: Context, at: object) -> str:
    """Within the hour: how long ago; else the reader's local time (`21:30`, `25/03 21:30`)."""
    moment = float(at) if isinstance(at, int | float) else 0.0
    now = ctx.clock()
    if 0 <= now - moment < 60:
        return ctx.t("audit.just_now")
    if 0 <= now - moment < 3600:
        return ctx.t("audit.ago", elapsed=format_elapsed(now - moment))
    return format_local_time(moment, ctx.member.prefs.zone(ctx.network.timezone), now)


async def _where(
    ctx: Context, places: dict[tuple[str, str], str], platform: str, row: Row
) -> str:
    """The room by its title (a Telegram chat id says nothing), or a private chat."""
    chat_id = str(row["chat_id"])
    key = (platform, chat_id)
    if key not in places:
        label = platform_label(platform)
        if chat_id == str(row["user_id"]):
            places[key] = ctx.t("audit.in_private", platform=label)
        else:
            room = await ctx.tx.rooms.get(platform, chat_id)
            title = room.title if room is not None and room.title else chat_id
            places[key] = ctx.t("audit.in_room", room=title, platform=label)
    return places[key]
