"""What a coordinator's dashboard shows and lets them act on. Pure rules, no I/O.

Seeing is wider than acting. A coordinator sees what touches one of the tags
they coordinate, and what is network-wide (it reached their rooms too);
acting (approve, reject, unpush) follows `roles.has_role`: a right over every
tag of the thing. Someone without any coordinator right sees nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.roles import Grant, Role
from bot.domain.tags import NATIONAL, TagAliases


@dataclass(frozen=True, slots=True)
class Oversight:
    network: bool
    """Coordinator (or admin) of the whole network: sees everything."""
    tags: frozenset[str]
    """Canonical tags they coordinate, when not network-wide."""

    def sql_tags(self, aliases: TagAliases) -> tuple[str, ...]:
        """Every spelling that stands for a watched tag (canonical and aliases), sorted,
        for SQL filters over stored scopes (which keep tags as written)."""
        found: set[str] = set()
        for tag in self.tags:
            found.update(aliases.synonyms(tag))
        return tuple(sorted(found))


def oversight_of(grants: Iterable[Grant], aliases: TagAliases) -> Oversight | None:
    """The reach of someone's coordinator rights; None when they have none."""
    national = aliases.canonical(NATIONAL)
    tags: set[str] = set()
    found = False
    for grant in grants:
        if grant.role < Role.COORDINATOR:
            continue
        found = True
        if grant.scope is None or aliases.canonical(grant.scope) == national:
            return Oversight(network=True, tags=frozenset())
        tags.add(aliases.canonical(grant.scope))
    return Oversight(network=False, tags=frozenset(tags)) if found else None


def is_network_scope(scope: Iterable[str], aliases: TagAliases) -> bool:
    resolved = aliases.canonical_set(scope)
    return not resolved or aliases.canonical(NATIONAL) in resolved


def watches(view: Oversight, scope: Iterable[str], aliases: TagAliases) -> bool:
    """Whether something with this scope shows on their dashboard."""
    if view.network:
        return True
    scope = tuple(scope)
    if is_network_scope(scope, aliases):
        return True
    return not aliases.canonical_set(scope).isdisjoint(view.tags)


def watches_tag(view: Oversight, tag: str, aliases: TagAliases) -> bool:
    """Whether a barometer row for this one tag is theirs to read."""
    return view.network or aliases.canonical(tag) in view.tags


def watches_member(view: Oversight, member_scope: Iterable[str], aliases: TagAliases) -> bool:
    """A member shows in their barometer when they came in through one of their tags;
    members who came in network-wide are the network coordinators' to follow."""
    if view.network:
        return True
    return not aliases.canonical_set(member_scope).isdisjoint(view.tags)
