"""The web server's public addresses, as chats show them. Pure string building."""

from __future__ import annotations

SHORT_PREFIX = "/s/"
CLIP_PREFIX = "/c/"
LOGIN_PREFIX = "/login/"


def short_url(base: str, code: str) -> str:
    return f"{base}{SHORT_PREFIX}{code}"


def clip_url(base: str, token: str) -> str:
    return f"{base}{CLIP_PREFIX}{token}"


def login_url(base: str, token: str) -> str:
    return f"{base}{LOGIN_PREFIX}{token}"
