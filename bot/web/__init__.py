"""The web side: short links, clip files, health, metrics and the coordinators' dashboard."""

from bot.web.runtime import ReadView, Runtime
from bot.web.server import WebServer

__all__ = ["ReadView", "Runtime", "WebServer"]
