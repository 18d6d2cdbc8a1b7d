"""Help, generated from the registry: what you may run here, and how."""

from __future__ import annotations

from bot.commands import Context, Router, UserError, Word
from bot.domain import Role
from bot.domain.members import Standing

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
    # Only what this person may run: someone not (yet) a member sees the open commands
    # and what they are waiting for, not a list that would answer "refused" line by line.
    for spec in ctx.registry.visible_to(ctx.member.role):
        lines.append(f"{prefix}{spec.usage.get(ctx.lang)} — {spec.summary.get(ctx.lang)}")
    standing = ctx.member.standing
    if ctx.member.role < Role.MEMBER:
        if standing is Standing.PENDING:
            lines.append(ctx.t("help.pending", id=ctx.member.short_id))
        elif standing in (Standing.REFUSED, Standing.REMOVED):
            lines.append(ctx.t("help.closed"))
        else:
            lines.append(ctx.t("help.not_member", prefix=prefix))
    lines.append(ctx.t("help.footer", prefix=prefix))
    await ctx.reply_text("\n".join(lines))
