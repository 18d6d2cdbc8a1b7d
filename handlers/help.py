"""Help, generated from the registry: what you may run here, and how."""

from __future__ import annotations

from bot.commands import Context, Router, UserError, Word
from bot.domain import Role

router = Router("help")


@router.command(
    "help",
    aliases=("aide",),
    args=(Word("command", optional=True, max_length=40),),
    role=Role.GUEST,
    summary=("Les commandes, ou le détail de l'une", "The commands, or one command in detail"),
    usage=("help [commande]", "help [command]"),
)
async def help_(ctx: Context, command: str | None) -> None:
    prefix = ctx.limits.command_prefix
    if command is not None:
        spec = ctx.registry.lookup(command.lstrip("/!"))
        if spec is None:
            raise UserError("help.unknown", command=command[:40], prefix=prefix)
        lines = [f"{prefix}{spec.usage.get(ctx.lang)}", spec.summary.get(ctx.lang)]
        if spec.details is not None:
            lines.append(spec.details.get(ctx.lang))
        if spec.aliases:
            lines.append(ctx.t("help.aliases", aliases=", ".join(prefix + a for a in spec.aliases)))
        if spec.role > Role.GUEST:
            lines.append(ctx.t("help.role", role=ctx.t(f"role.{spec.role.name.lower()}")))
        await ctx.reply_text("\n".join(lines))
        return
    lines = [ctx.t("help.header", network=ctx.network.name)]
    for spec in ctx.registry.visible_to(max(ctx.member.role, Role.MEMBER)):
        lines.append(f"{prefix}{spec.usage.get(ctx.lang)} — {spec.summary.get(ctx.lang)}")
    lines.append(ctx.t("help.footer", prefix=prefix))
    await ctx.reply_text("\n".join(lines))
