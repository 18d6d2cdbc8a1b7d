"""Message catalogues (fr, en). Every message a user reads exists in both."""

from bot.i18n.render import (
    CATALOGUES,
    DEFAULT_LANG,
    LANGS,
    count,
    pick_lang,
    placeholders,
    spans,
    text,
)

__all__ = [
    "CATALOGUES",
    "DEFAULT_LANG",
    "LANGS",
    "count",
    "pick_lang",
    "placeholders",
    "spans",
    "text",
]
