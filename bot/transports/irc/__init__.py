"""IRC transport: our own small asyncio client (see README, "IRC", for why)."""

from bot.transports.irc.adapter import IRC_LIMITS, IrcTransport
from bot.transports.irc.inbound import PLATFORM, Identities, to_incoming
from bot.transports.irc.protocol import Message, parse, serialize, split_utf8, text_budget
from bot.transports.irc.render import render_line

__all__ = [
    "IRC_LIMITS",
    "PLATFORM",
    "Identities",
    "IrcTransport",
    "Message",
    "parse",
    "render_line",
    "serialize",
    "split_utf8",
    "text_budget",
    "to_incoming",
]
