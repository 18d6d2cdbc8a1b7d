"""Several processes on one PostgreSQL store: their roles, and the owner of the connections."""

from bot.cluster.owner import OwnerLock
from bot.cluster.roles import ALL_ROLES, RoleError, parse_roles

__all__ = ["ALL_ROLES", "OwnerLock", "RoleError", "parse_roles"]
