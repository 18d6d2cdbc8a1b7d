"""`audit [n] [@x]`: the latest refusals and privileged actions, for network admins."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands import Context, Handle, Number, Router
from bot.domain import Role
from bot.domain.rights import may_read_audit

router = Router("audit")

DEFAULT_SHOWN = 10
MAX_SHOWN = 50
_OUTCOMES = ("done", "refused", "requested", "bad_code", "error")


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
        await ctx.refuse("audit", "refused.scope", detail="network admin",
                         role=ctx.t("role.admin"))
    who = await ctx.find_member(member) if member is not None else None
    rows = await ctx.tx.audit.recent(n or DEFAULT_SHOWN, who.id if who else None)
    if not rows:
        await ctx.reply("audit.none")
        return
    zone = ZoneInfo(ctx.network.timezone)
    names: dict[int, str] = {}
    lines = [ctx.t("audit.header", n=len(rows))]
    for row in rows:
        member_id = row["member_id"]
        name = str(row["user_id"])
        if isinstance(member_id, int):
            if member_id not in names:
                found = await ctx.tx.members.get(member_id)
                names[member_id] = f"{found.display_name} (M{member_id})" if found else name
            name = names[member_id]
        outcome = str(row["outcome"])
        at = row["at"]
        lines.append(
            ctx.t(
                "audit.line",
                at=datetime.fromtimestamp(float(at) if isinstance(at, int | float) else 0,
                                          zone).strftime("%d/%m %H:%M"),
                who=name,
                platform=row["platform"],
                command=row["command"],
                outcome=ctx.t(f"audit.outcome.{outcome}") if outcome in _OUTCOMES else outcome,
                detail=str(row["detail"])[:120],
                where=row["chat_id"],
            )
        )
    await ctx.reply_text("\n".join(lines))
