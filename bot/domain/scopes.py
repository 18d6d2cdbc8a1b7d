"""Which rooms and which subscribers an alert's scope reaches. Pure set logic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.domain.tags import NATIONAL, TagAliases


def is_network_wide(scope: Iterable[str], aliases: TagAliases) -> bool:
    resolved = aliases.canonical_set(scope)
    return not resolved or aliases.canonical(NATIONAL) in resolved


def scope_matches(scope: Iterable[str], tags: Iterable[str], aliases: TagAliases) -> bool:
    """Does an alert with `scope` reach a room or subscription carrying `tags`?

    No scope (or `national`) reaches everything; a room or subscription tagged
    `national` receives everything; otherwise one shared tag, after aliases, is enough.
    """
    if is_network_wide(scope, aliases):
        return True
    resolved_tags = aliases.canonical_set(tags)
    if aliases.canonical(NATIONAL) in resolved_tags:
        return True
    return not aliases.canonical_set(scope).isdisjoint(resolved_tags)


def subscription_matches(
    scope: Iterable[str], subscriptions: Iterable[str], aliases: TagAliases
) -> bool:
    """A member with no subscription at all gets nothing; one with any gets what matches."""
    subs = tuple(subscriptions)
    if not subs:
        return False
    return scope_matches(scope, subs, aliases)


def roles_for_scope(
    scope: Iterable[str], role_map: Mapping[str, str], aliases: TagAliases
) -> tuple[str, ...]:
    """The opt-in roles an alert with `scope` notifies: each role is a subscription to its tag.

    Same rule as a member's subscription (a network-wide alert reaches every
    role, a role for `national` gets every alert), de-duplicated, in tag order.
    """
    scope = tuple(scope)
    found: dict[str, None] = {}
    for tag, role_id in sorted(role_map.items()):
        if subscription_matches(scope, (tag,), aliases):
            found[role_id] = None
    return tuple(found)
