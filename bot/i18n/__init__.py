"""Message catalogues (fr, en). Every message a user reads exists in both."""

from bot.i18n.render import (
    CATALOGUES,
    DEFAULT_LANG,
    LANGS,
    MessageValuesWarning,
    count,
    pick_lang,
    placeholders,
    spans,
    spans_from,
    text,
    text_from,
)

__all__ = [
    "CATALOGUES",
    "DEFAULT_LANG",
    "LANGS",
    "MessageValuesWarning",
    "count",
    "pick_lang",
    "placeholders",
    "spans",
    "spans_from",
    "text",
    "text_from",
]
