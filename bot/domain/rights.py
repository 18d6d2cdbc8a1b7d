"""Who may do what, over which scope: the rules every privileged command checks.

Pure functions over grants, scopes and aliases, so that any command family
(rooms, members, alerts, clips, tasks, content, pushes) asks the same
question the same way. The base rule is `roles.has_role`: a right over a
scope covers a target only if it covers *every* tag the target carries, and
a network-wide target (no tag, or `national`) needs a network-wide right.

Each `may_*` function answers one question a handler asks before acting; the
ones that can fail for several reasons return the i18n key of the refusal
(None: allowed) so the answer says exactly why.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot.domain.members import Member
from bot.domain.roles import Grant, Role, has_role, has_role_somewhere
from bot.domain.scopes import is_network_wide, scope_matches
from bot.domain.tags import TagAliases
from bot.domain.tasks import member_scopes


def may_see(
    member: Member,
    scope: Iterable[str],
    aliases: TagAliases,
    *,
    author_id: int | None = None,
    room_tags: Iterable[str] = (),
) -> bool:
    """Whether an alert (its text, clock, tasks and figures) is shown to `member`.

    The dashboard's rule, for everyone: network-wide alerts are everyone's; the
    others are seen where they reached, by whoever shares a tag with them (after
    aliases) through the scope they came in by, what they follow, where they hold
    a role, or the room they type in. Their author and the network's coordinators
    see them all. Anything else answers as an unknown id: its text does not leak.
    """
    if author_id is not None and author_id == member.id:
        return True
    if has_role(member.grants, Role.COORDINATOR, None, aliases):
        return True
    return scope_matches(scope, member_scopes(member, room_tags), aliases)


def may_manage_room(
    grants: Iterable[Grant],
    old_tags: Iterable[str] | None,
    new_tags: Iterable[str] | None,
    aliases: TagAliases,
) -> bool:
    """`link`, `unlink`, `tags`, `lang room`: admin over the room's tags before *and* after.

    `old_tags` None: the room was not linked, so there is nothing to take over.
    `new_tags` None: the room leaves the network (`unlink`). A linked room
    without tags, or tagged `national`, is network-wide: only a network admin
    touches it, and only a network admin makes a room network-wide.
    """
    grants = tuple(grants)
    if old_tags is not None and not has_role(grants, Role.ADMIN, tuple(old_tags), aliases):
        return False
    return new_tags is None or has_role(grants, Role.ADMIN, tuple(new_tags), aliases)


def may_redefine_scopes(grants: Iterable[Grant], aliases: TagAliases) -> bool:
    """`alias`, `rolemap` changes: they change what every scope means, so a network admin only.

    A scoped admin who could alias `dept:075` to their own tag would own Paris.
    """
    return has_role(grants, Role.ADMIN, None, aliases)


def may_grant_role(grants: Iterable[Grant], tag: str | None, aliases: TagAliases) -> bool:
    """`role @x R [tag]`: admin over `tag`; without a tag (everywhere), a network admin."""
    return has_role(grants, Role.ADMIN, (tag,) if tag else None, aliases)


def may_cancel_alert(
    member_id: int,
    grants: Iterable[Grant],
    author_member_id: int,
    alert_scope: Iterable[str],
    aliases: TagAliases,
) -> bool:
    """`cancel`: the author, or a coordinator over every tag of the alert.

    An untagged or `national` alert is network-wide: a scoped coordinator
    cannot cancel it, even when one of its tags is theirs.
    """
    return member_id == author_member_id or has_role(
        grants, Role.COORDINATOR, tuple(alert_scope), aliases
    )


def may_attach_clip(
    member_id: int,
    grants: Iterable[Grant],
    author_member_id: int,
    alert_scope: Iterable[str],
    aliases: TagAliases,
    task_claimers: Collection[int] = (),
) -> bool:
    """`clip A17 URL` attaches the clip to the alert (its card goes to every room that got it).

    Allowed to the alert's author, a coordinator over its whole scope, and
    whoever claimed one of its tasks (`task_claimers`: member ids; empty where
    there are no tasks). Anyone else's clip is archived without the alert.
    """
    return (
        member_id == author_member_id
        or member_id in task_claimers
        or has_role(grants, Role.COORDINATOR, tuple(alert_scope), aliases)
    )


def may_decide_request(
    grants: Iterable[Grant], request_scope: Iterable[str], aliases: TagAliases
) -> bool:
    """`accept` / `refuse` a join request: a coordinator over the scope it was made in.

    A request made in private (no scope) is network-wide: network coordinators
    and admins decide it.
    """
    return has_role(grants, Role.COORDINATOR, tuple(request_scope), aliases)


def removal_refusal(
    actor: Member, target: Member, aliases: TagAliases, *, target_is_config_admin: bool
) -> str | None:
    """Why `actor` may not `remove` `target` (an i18n key), or None when they may.

    A coordinator over the scope the target came in through may remove them;
    someone holding coordinator or admin rights is removed only by an admin
    over every scope of those rights; config admins are never removed (the
    network must always keep its way back in), and nobody removes themselves
    by mistake.
    """
    if actor.id == target.id:
        return "remove.self"
    if target_is_config_admin:
        return "remove.config_admin"
    if not has_role(actor.grants, Role.COORDINATOR, target.scope, aliases):
        return "remove.scope"
    for grant in target.grants:
        if grant.role < Role.COORDINATOR:
            continue
        scope = (grant.scope,) if grant.scope else None
        if not has_role(actor.grants, Role.ADMIN, scope, aliases):
            return "remove.privileged"
    return None


def default_alert_scope(
    typed_scope: tuple[str, ...],
    room_tags: tuple[str, ...] | None,
    grants: Iterable[Grant],
    aliases: TagAliases,
    *,
    national_by_members: bool,
) -> tuple[str, ...]:
    """The scope of an alert typed without #tags.

    Network coordinators (and networks that let members alert everyone) keep
    the old meaning: no tag is the whole network. Anyone else raises it in the
    scope of the room they type in, so a member of the Lyon group reaches Lyon
    by default. Outside a scoped room it stays untagged, which `alert_refusal`
    then refuses to members.
    """
    if typed_scope or national_by_members:
        return typed_scope
    if has_role(grants, Role.COORDINATOR, None, aliases):
        return ()
    if room_tags and not is_network_wide(room_tags, aliases):
        return room_tags
    return ()


def alert_refusal(
    grants: Iterable[Grant],
    scope: tuple[str, ...],
    aliases: TagAliases,
    *,
    national_by_members: bool,
    member_max_tags: int,
) -> str | None:
    """Why this alert may not go out (an i18n key), or None.

    A network-wide alert needs a network coordinator unless the network lets
    members raise them. Listing many tags is how one would fake a network-wide
    alert, so beyond `member_max_tags` tags a coordinator over all of them is needed.
    """
    grants = tuple(grants)
    if is_network_wide(scope, aliases):
        if national_by_members or has_role(grants, Role.COORDINATOR, None, aliases):
            return None
        return "alert.national_refused"
    if len(scope) > member_max_tags and not has_role(grants, Role.COORDINATOR, scope, aliases):
        return "alert.too_many_tags"
    return None


def alert_limit_applies(
    grants: Iterable[Grant], scope: tuple[str, ...], aliases: TagAliases
) -> bool:
    """Coordinators over the alert's whole scope are not rate-limited; everyone else is."""
    return not has_role(grants, Role.COORDINATOR, scope, aliases)


def invite_allowance(grants: Iterable[Grant], cap: int, in_use: int) -> int | None:
    """How many more people someone may invite; None: no cap (coordinators and admins).

    `in_use` counts the codes that brought someone in plus those still open:
    expired and revoked codes give their place back.
    """
    if has_role_somewhere(grants, Role.COORDINATOR):
        return None
    return max(0, cap - in_use)


def invite_scopes(member: Member, aliases: TagAliases) -> tuple[str, ...] | None:
    """The tags someone may invite into; None: anywhere (the network's coordinators).

    An invitation's tags become the invitees' scope, and that scope decides whose
    coordinators answer for them (who may remove them). Others invite only into the
    scope they came in by and the scopes of their roles, never into one they merely
    follow: a Paris member handing out Lyon invitations would put people Lyon never
    vetted under Lyon, out of Paris's reach.
    """
    if has_role(member.grants, Role.COORDINATOR, None, aliases):
        return None
    found = dict.fromkeys((*member.scope, *(g.scope for g in member.grants if g.scope)))
    return tuple(found)


def invite_tags_refused(
    member: Member, tags: Iterable[str], aliases: TagAliases
) -> tuple[str, ...]:
    """The tags of `tags` outside `invite_scopes` (empty: the invitation may go out)."""
    allowed = invite_scopes(member, aliases)
    if allowed is None:
        return ()
    mine = aliases.canonical_set(allowed)
    return tuple(tag for tag in tags if aliases.canonical(tag) not in mine)


def invite_still_allowed(grants: Iterable[Grant], cap: int, used: int) -> bool:
    """An invitation admits while its inviter may still invite that many: a coordinator's
    codes made without a cap stop at the member cap once the role is gone."""
    return has_role_somewhere(grants, Role.COORDINATOR) or used < cap


def may_read_audit(grants: Iterable[Grant], aliases: TagAliases) -> bool:
    """The audit log covers the whole network: network admins only."""
    return has_role(grants, Role.ADMIN, None, aliases)


def link_allowance_applies(grants: Iterable[Grant]) -> bool:
    """`short`: members make a limited number of links an hour; coordinators are not counted."""
    return not has_role_somewhere(grants, Role.COORDINATOR)
