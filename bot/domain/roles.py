"""Roles are ordered levels; a grant may be limited to one scope tag."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from bot.domain.tags import TagAliases


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
    """True when a grant of at least `needed` covers `scope`.

    An unscoped grant covers everything. A scoped grant covers a target whose
    scope contains its tag; a network-wide target (scope None or empty) is
    covered only by unscoped grants.
    """
    wanted = aliases.canonical_set(scope or ())
    for grant in grants:
        if grant.role < needed:
            continue
        if grant.scope is None:
            return True
        if aliases.canonical(grant.scope) in wanted:
            return True
    return False
