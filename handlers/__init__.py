"""Chat commands, one module per family. The list is explicit: no discovery."""

from bot.commands import Router
from handlers import (
    alerts,
    audit,
    clips,
    content,
    help,
    identity,
    invitations,
    members,
    privacy,
    pushes,
    rolemap,
    rooms,
    stats,
    tasks,
    vetting,
    web,
)

ROUTERS: tuple[Router, ...] = (
    rooms.router,
    members.router,
    vetting.router,
    invitations.router,
    alerts.router,
    rolemap.router,
    clips.router,
    tasks.router,
    content.router,
    pushes.router,
    identity.router,
    privacy.router,
    stats.router,
    audit.router,
    web.router,
    help.router,
)

__all__ = ["ROUTERS"]
