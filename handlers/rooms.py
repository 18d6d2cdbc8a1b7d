"""Rooms: link a chat into the network, tag it, list rooms, make tags synonyms.

Every change checks the scope it touches (`bot.domain.rights`): a room's tags
before and after, and the whole network for synonyms.
"""

from __future__ import annotations

from bot.commands import Choice, Context, Router, Tags, UsageError, UserError, Where
from bot.domain import Counted, Role, is_network_wide, plan_alias
from bot.domain.rights import may_manage_room, may_redefine_scopes
from bot.domain.roles import has_role
from bot.domain.tags import NationalAlias

router = Router("rooms")

_ADD = {"add": "add", "ajoute": "add", "ajouter": "add", "+": "add"}
_REMOVE = {
    "rm": "rm",
    "remove": "rm",
    "del": "rm",
    "retire": "rm",
    "retirer": "rm",
    "supprime": "rm",
    "supprimer": "rm",
    "-": "rm",
}


def _show_tags(ctx: Context, tags: tuple[str, ...]) -> str:
    return " ".join(f"#{tag}" for tag in tags) if tags else ctx.t("room.no_tags")


async def _check_room_change(
    ctx: Context,
    command: str,
    old: tuple[str, ...] | None,
    new: tuple[str, ...] | None,
) -> None:
    """Admin over the room's tags before and after, or a refusal naming the scope."""
    if may_manage_room(ctx.member.grants, old, new, ctx.aliases):
        return
    sides = [side for side in (old, new) if side is not None]
    if any(is_network_wide(side, ctx.aliases) for side in sides):
        shown = ctx.t("scope.network")
    else:
        # Only the tags the member lacks: those they already administer are no news.
        missing = [
            t
            for t in dict.fromkeys(t for side in sides for t in side)
            if not has_role(ctx.member.grants, Role.ADMIN, (t,), ctx.aliases)
        ]
        shown = " ".join(f"#{t}" for t in missing)
    await ctx.refuse(command, "room.scope_refused", detail=f"admin over {shown}", scope=shown)


@router.command(
    "link",
    aliases=("lier",),
    args=(Tags("tags"),),
    role=Role.ADMIN,
    where=Where.ROOM,
    summary=(
        "Relier ce salon au réseau, avec des tags",
        "Link this room to the network, with tags",
    ),
    usage=("link [tags…]", "link [tags…]"),
    details=(
        "Un salon reçoit les alertes sans tag et celles qui partagent un de ses tags. "
        "Le tag national reçoit tout. Refaire /link avec des tags les remplace.",
        "A room receives untagged alerts and those sharing one of its tags. "
        "The tag national receives everything. Running /link again with tags replaces them.",
    ),
)
async def link(ctx: Context, tags: tuple[str, ...]) -> None:
    old = ctx.room.tags if ctx.room is not None else None
    await _check_room_change(ctx, "link", old, tags or old or ())
    room = await ctx.tx.rooms.link(
        ctx.message.platform, ctx.message.chat_id, ctx.message.chat_title or "", tags
    )
    await ctx.audit(
        "link",
        "done",
        " ".join(tags),
    )
    await ctx.reply("room.linked", room=room.label, tags=_show_tags(ctx, room.tags))


@router.command(
    "unlink",
    aliases=("delier",),
    role=Role.ADMIN,
    where=Where.ROOM,
    summary=("Retirer ce salon du réseau", "Remove this room from the network"),
    usage="unlink",
)
async def unlink(ctx: Context) -> None:
    if ctx.room is None:
        raise UserError("room.not_linked")
    await _check_room_change(ctx, "unlink", ctx.room.tags, None)
    await ctx.tx.rooms.unlink(ctx.room.id)
    await ctx.audit("unlink", "done")
    await ctx.reply("room.unlinked", room=ctx.room.label)


@router.command(
    "tags",
    args=(Choice("action", optional=True, choices={**_ADD, **_REMOVE}), Tags("tags")),
    role=Role.ADMIN,
    where=Where.ROOM,
    summary=("Voir, ajouter ou retirer les tags du salon", "Show, add or remove this room's tags"),
    usage=("tags [add|rm tags…]", "tags [add|rm tags…]"),
)
async def tags(ctx: Context, action: str | None, tags: tuple[str, ...]) -> None:
    if ctx.room is None:
        raise UserError("room.not_linked")
    if action is None and tags:
        raise UserError("room.tags_action")
    if action is not None and not tags:
        raise UsageError("room.tags_missing")
    old = ctx.room.tags
    if action == "add":
        await _check_room_change(ctx, "tags", old, (*old, *(t for t in tags if t not in old)))
        await ctx.tx.rooms.add_tags(ctx.room.id, tags)
    elif action == "rm":
        await _check_room_change(ctx, "tags", old, tuple(t for t in old if t not in tags))
        await ctx.tx.rooms.remove_tags(ctx.room.id, tags)
    if action is not None:
        await ctx.audit("tags", "done", f"{action} {' '.join(tags)}")
    room = await ctx.tx.rooms.get(ctx.room.platform, ctx.room.chat_id)
    assert room is not None
    await ctx.reply("room.tags", room=room.label, tags=_show_tags(ctx, room.tags))


@router.command(
    "rooms",
    aliases=("salons",),
    role=Role.COORDINATOR,
    summary=("Lister les salons reliés", "List linked rooms"),
    usage="rooms",
)
async def rooms(ctx: Context) -> None:
    linked = await ctx.tx.rooms.all()
    if not linked:
        await ctx.reply("rooms.none")
        return
    lines = [ctx.t("rooms.header", rooms=Counted("count.rooms_linked", len(linked)))]
    for room in linked:
        line = ctx.t(
            "rooms.line", room=room.label, platform=room.platform, tags=_show_tags(ctx, room.tags)
        )
        if room.unreachable_reason:
            line += " " + ctx.t("rooms.unreachable", reason=room.unreachable_reason[:120])
        lines.append(line)
    await ctx.reply_text("\n".join(lines))


@router.command(
    "alias",
    args=(Choice("action", optional=True, choices=_REMOVE), Tags("tags")),
    role=Role.ADMIN,
    summary=("Rendre deux tags synonymes", "Make two tags mean the same"),
    usage=("alias [#tag #synonyme | rm #tag]", "alias [#tag #synonym | rm #tag]"),
    details=(
        "Exemple : /alias #insoumise #insoumis. Sans argument : la liste des synonymes.",
        "Example: /alias #insoumise #insoumis. Without arguments: the list of synonyms.",
    ),
)
async def alias(ctx: Context, action: str | None, tags: tuple[str, ...]) -> None:
    if (action == "rm" or tags) and not may_redefine_scopes(ctx.member.grants, ctx.aliases):
        # A scoped admin who could alias dept:075 (or national) to their tag would own it.
        await ctx.refuse(
            "alias", "scopes.network_admin_only", detail=" ".join(tags) or "rm",
            command="alias",
        )
    if action == "rm":
        if len(tags) != 1:
            raise UserError("alias.rm_one")
        if not await ctx.tx.tags.remove(tags[0]):
            raise UserError("alias.unknown", tag=tags[0])
        await ctx.audit("alias", "done", f"rm {tags[0]}")
        await ctx.reply("alias.removed", tag=tags[0])
        return
    if not tags:
        mapping = ctx.aliases.mapping
        if not mapping:
            await ctx.reply("alias.none")
            return
        groups: dict[str, list[str]] = {}
        for name, canonical in sorted(mapping.items()):
            groups.setdefault(canonical, []).append(name)
        lines = [ctx.t("alias.header")]
        lines += [" = ".join(f"#{t}" for t in (c, *names)) for c, names in sorted(groups.items())]
        await ctx.reply_text("\n".join(lines))
        return
    if len(tags) != 2:
        raise UserError("alias.two")
    first, second = tags
    try:
        updates = plan_alias(ctx.aliases, first, second)
    except NationalAlias:
        await ctx.refuse("alias", "alias.national", detail=f"{first}={second}")
    if not updates:
        await ctx.reply("alias.already", a=first, b=second)
        return
    # Roles limited to either side now reach the other: say so, by name.
    touched = {*ctx.aliases.synonyms(first), *ctx.aliases.synonyms(second)}
    widened = await ctx.tx.members.scoped_grants(touched)
    await ctx.tx.tags.upsert(updates)
    await ctx.audit("alias", "done", f"{first}={second}")
    await ctx.reply("alias.added", a=first, b=second)
    if widened:
        shown = ", ".join(
            f"{name} ({short}, {ctx.t(f'role.{role.name.lower()}')} #{scope})"
            for short, name, role, scope in widened[:20]
        )
        if len(widened) > 20:
            shown += " …"
        await ctx.reply("alias.widened", grants=shown)
