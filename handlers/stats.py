"""The barometer, `stats`: here the forms about content and pushes (`stats C4`, `stats P3`)."""

from __future__ import annotations

from bot.commands import Context, Router, UserError, Word
from bot.domain import Kind, Role, parse_short_id
from handlers.pushes import content_stats, push_stats

router = Router("stats")


@router.command(
    "stats",
    aliases=("barometre", "statistiques"),
    args=(Word("which", max_length=40),),
    role=Role.COORDINATOR,
    summary=(
        "Le baromètre d'un contenu ou d'une publication",
        "The barometer of content or a push",
    ),
    usage="stats C4|P3",
    details=(
        "stats C4 : ses publications, ce que chaque cible a reçu, les kits envoyés, les "
        "partages faits, les clics.",
        "stats C4: its pushes, what each target got, kits sent, shares done, clicks.",
    ),
)
async def stats(ctx: Context, which: str) -> None:
    short = parse_short_id(which)
    if short is not None and short.kind is Kind.CONTENT:
        await content_stats(ctx, short.number)
    elif short is not None and short.kind is Kind.PUSH:
        await push_stats(ctx, short.number)
    else:
        raise UserError("stats.which", value=which[:40])
