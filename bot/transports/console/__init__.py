"""Console transport: stdin lines in, `-> target: text` lines out."""

from bot.transports.console.adapter import CONSOLE_LIMITS, ConsoleTransport
from bot.transports.console.inbound import PLATFORM, Speaker, parse_line
from bot.transports.console.render import format_output, render_text

__all__ = [
    "CONSOLE_LIMITS",
    "PLATFORM",
    "ConsoleTransport",
    "Speaker",
    "format_output",
    "parse_line",
    "render_text",
]
