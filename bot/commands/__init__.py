"""The platform-neutral command framework: parser, registry, context, dispatcher."""

from bot.commands.arguments import Arg, Choice, Handle, Id, Number, Rest, Tags, Word, bind
from bot.commands.context import AuditEntry, Context
from bot.commands.dispatcher import CommandDispatcher
from bot.commands.errors import UsageError, UserError
from bot.commands.parser import ParsedCommand, clean_text, parse_command, tokenize
from bot.commands.registry import CommandSpec, Localized, Registry, Router, Where

__all__ = [
    "Arg",
    "AuditEntry",
    "Choice",
    "CommandDispatcher",
    "CommandSpec",
    "Context",
    "Handle",
    "Id",
    "Localized",
    "Number",
    "ParsedCommand",
    "Registry",
    "Rest",
    "Router",
    "Tags",
    "UsageError",
    "UserError",
    "Where",
    "Word",
    "bind",
    "clean_text",
    "parse_command",
    "tokenize",
]
