"""What a process does: `riposte run` does everything; with PostgreSQL, parts of it.

- `transports` + `commands`: the platform connections (Telegram polling, the
  Discord gateway, the IRC connection: one owner each, so one process, guarded
  by an advisory lock with standbys waiting) and everything commands set off:
  timers, scheduled pushes, and the deliveries that need the connection itself
  (IRC, the console). The two go together: messages come in through one and
  are answered by the other.
- `delivery`: Telegram and Discord deliveries, through their HTTP APIs; any
  number of processes.
- `archive`: clip downloads; any number of processes (sharing the archive's
  folder).
- `web`: the web server (short links, clip files, the dashboard); any number of
  processes behind a load balancer. In `riposte run` it starts with the owner's
  roles (one listener per configuration and host).
"""

from __future__ import annotations

ALL_ROLES: frozenset[str] = frozenset({"transports", "commands", "delivery", "archive", "web"})
OWNER_ROLES: frozenset[str] = frozenset({"transports", "commands"})


class RoleError(ValueError):
    """An impossible choice of roles; the message says what to write instead."""


def parse_roles(text: str) -> frozenset[str]:
    """`--only transports,commands` -> the roles; errors say what exists."""
    roles = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(roles - ALL_ROLES)
    if unknown:
        raise RoleError(
            f"unknown role(s) {', '.join(unknown)} (known: {', '.join(sorted(ALL_ROLES))})"
        )
    if not roles:
        raise RoleError(f"no role given (known: {', '.join(sorted(ALL_ROLES))})")
    if roles & OWNER_ROLES and not roles >= OWNER_ROLES:
        raise RoleError(
            "transports and commands go together (messages come in through one and are "
            "answered by the other): --only transports,commands"
        )
    return roles
