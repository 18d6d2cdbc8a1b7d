"""Telegram transport on python-telegram-bot: groups, topics, private chats, buttons."""

from bot.transports.telegram.adapter import DEEP_LINK, TelegramTransport, telegram_limits
from bot.transports.telegram.errors import map_error
from bot.transports.telegram.inbound import PLATFORM, ChatMoved, parse_address, parse_update
from bot.transports.telegram.menu import MenuCommand, menu_from_registry
from bot.transports.telegram.render import keyboard, render_chunks, split_ranges, utf16_len

__all__ = [
    "DEEP_LINK",
    "PLATFORM",
    "ChatMoved",
    "MenuCommand",
    "TelegramTransport",
    "keyboard",
    "map_error",
    "menu_from_registry",
    "parse_address",
    "parse_update",
    "render_chunks",
    "split_ranges",
    "telegram_limits",
    "utf16_len",
]
