"""One person across platforms: linking identities into one member, and what survives. No I/O.

`linkme` (in private) gives a one-time code; typed on another platform, it
merges the member behind that identity into the code's owner: identities,
roles (the higher role wins within each scope), subscriptions, sponsor,
history and counts. Nothing is lost, nothing is counted twice. Codes are
single use, valid for ten minutes, hashed at rest, and a member may try only
a few wrong ones an hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.members import Member, Standing
from bot.domain.roles import Grant, Role

LINK_CODE_SECONDS = 600.0
"""A link code is typed on the other platform within ten minutes, or not at all."""
FORGET_CODE_SECONDS = 600.0
APPROVE_CODE_SECONDS = 7 * 86_400.0
"""An admin has a week to confirm a link that involves roles."""
MAX_BAD_CODES_PER_HOUR = 5
"""Wrong codes one member may try in an hour (link and forget codes together)."""

_RANK = {
    Standing.MEMBER: 3,
    Standing.PENDING: 2,
    Standing.UNKNOWN: 1,
    Standing.REFUSED: 0,
    Standing.REMOVED: 0,
}


@dataclass(frozen=True, slots=True)
class LinkPlan:
    """Which member row stays (`survivor`) and which is folded into it (`absorbed`)."""

    survivor: Member
    absorbed: Member


def link_refusal(owner: Member, typer: Member) -> str | None:
    """Why the identity of `typer` may not join `owner` (an i18n key), or None.

    Refused or removed people are a coordinator's decision, not something a code
    undoes; two identities on one platform would make "where do alerts go" a
    guess, so a member has at most one per platform.
    """
    if owner.id == typer.id:
        return "link.same_member"
    if Standing.REFUSED in (owner.standing, typer.standing) or Standing.REMOVED in (
        owner.standing,
        typer.standing,
    ):
        return "link.closed"
    if {i.platform for i in owner.identities} & {i.platform for i in typer.identities}:
        return "link.same_platform"
    return None


def needs_admin(typer: Member) -> bool:
    """Linking an identity whose member holds roles moves those roles to everyone behind
    the other identity (a code someone was talked into typing): a network admin confirms."""
    return typer.role >= Role.COORDINATOR


def plan_link(owner: Member, typer: Member) -> LinkPlan:
    """The member row that stays: the better standing (a member over a pending request
    over a stranger), then the one who joined first, then the older row."""

    def key(member: Member) -> tuple[int, float, int]:
        joined = member.joined_at if member.joined_at is not None else float("inf")
        return (-_RANK[member.standing], joined, member.id)

    survivor, absorbed = sorted((owner, typer), key=key)
    return LinkPlan(survivor, absorbed)


def merge_grants(*sides: Iterable[Grant]) -> tuple[Grant, ...]:
    """Both members' stored roles: within each scope the higher one wins."""
    best: dict[str | None, Role] = {}
    for grants in sides:
        for grant in grants:
            if grant.role > best.get(grant.scope, Role.GUEST):
                best[grant.scope] = grant.role
    return tuple(
        Grant(role, scope)
        for scope, role in sorted(best.items(), key=lambda item: (item[0] or "", -item[1]))
    )
