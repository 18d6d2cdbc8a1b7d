"""Roles are ordered levels; a grant may be limited to one scope tag."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from bot.domain.tags import NATIONAL, TagAliases


class Role(IntEnum):
    # Ordered by privilege: comparisons rely on it, do NOT re-order these.
    GUEST = 0
    MEMBER = 10
    COORDINATOR = 20
    ADMIN = 30

    @classmethod
    def from_name(cls, name: str) -> Role | None:
        return ROLE_NAMES.get(name.strip().casefold())


ROLE_NAMES: dict[str, Role] = {
    # What people type, in both languages.
    "guest": Role.GUEST,
    "invite": Role.GUEST,
    "member": Role.MEMBER,
    "membre": Role.MEMBER,
    "coordinator": Role.COORDINATOR,
    "coordinateur": Role.COORDINATOR,
    "coordinatrice": Role.COORDINATOR,
    "coord": Role.COORDINATOR,
    "admin": Role.ADMIN,
}


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    scope: str | None = None  # None: everywhere


def highest_role(grants: Iterable[Grant]) -> Role:
    """The best role held anywhere; gates a command before its target is known."""
    return max((grant.role for grant in grants), default=Role.GUEST)


def has_role(
    grants: Iterable[Grant],
    needed: Role,
    scope: Iterable[str] | None,
    aliases: TagAliases,
) -> bool:
    """True when grants of at least `needed` cover *every* tag of `scope`.

    A right over a scope is checked against every tag a command touches: a
    coordinator of `dept:069` does not cover something tagged `dept:069` and
    `dept:075`. A network-wide target (scope None, empty, or holding
    `national`) is covered only by a network-wide grant: one without a scope,
    or scoped `national`. Tags are compared after aliases.
    """
    national = aliases.canonical(NATIONAL)
    covered: set[str] = set()
    for grant in grants:
        if grant.role < needed:
            continue
        if grant.scope is None or aliases.canonical(grant.scope) == national:
            return True
        covered.add(aliases.canonical(grant.scope))
    wanted = aliases.canonical_set(scope or ())
    if not wanted or national in wanted:
        return False
    return wanted <= covered


def has_role_somewhere(grants: Iterable[Grant], needed: Role) -> bool:
    """At least `needed` in some scope: enough to be shown a command, not to act anywhere."""
    return any(grant.role >= needed for grant in grants)
