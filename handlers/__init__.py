"""Chat commands, one module per family. The list is explicit: no discovery."""

from bot.commands import Router
from handlers import alerts, clips, help, members, rolemap, rooms

ROUTERS: tuple[Router, ...] = (
    rooms.router,
    members.router,
    alerts.router,
    rolemap.router,
    clips.router,
    help.router,
)

__all__ = ["ROUTERS"]
