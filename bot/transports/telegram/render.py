"""Outgoing messages as Telegram HTML, split to Telegram's size limit.

Every span's text is escaped; only the span's style becomes markup, so user
text can never turn into tags. Telegram counts the limit on the visible text
(after entity parsing) in UTF-16 code units: an emoji outside the BMP counts
two, an accented letter one. Long texts are split on a paragraph, then a line,
then a word boundary, and never inside a character or before a combining mark.
"""

from __future__ import annotations

import html
import logging
import unicodedata
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.messages import Button, Span, Style

log = logging.getLogger(__name__)

MAX_TEXT_UTF16 = 4096
MAX_CALLBACK_DATA_BYTES = 64
BUTTONS_PER_ROW = 2
_SEPARATORS = ("\n\n", "\n", " ")
_TAGS = {Style.BOLD: "b", Style.CODE: "code"}
_GLUE = frozenset("\u200d\ufe0e\ufe0f")
"""Zero-width joiner and variation selectors: a cut next to them breaks an emoji."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _cuttable(text: str, index: int) -> bool:
    """May a chunk end just before `text[index]` without splitting a visible character?"""
    char = text[index]
    return not (
        unicodedata.combining(char)
        or char in _GLUE
        or text[index - 1] == "\u200d"
        or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin-tone modifiers
    )


def _next_cut(text: str, start: int, limit: int) -> tuple[int, int]:
    """(end of the chunk starting at `start`, start of the next chunk)."""
    units = 0
    end = start
    while end < len(text) and units + _units(text[end]) <= limit:
        units += _units(text[end])
        end += 1
    if end >= len(text):
        return len(text), len(text)
    window = text[start:end]
    for minimum in (len(window) // 2, 1):
        for separator in _SEPARATORS:
            found = window.rfind(separator)
            if found >= minimum:
                cut = start + found
                after = cut + len(separator)
                while after < len(text) and text[after] in " \n":
                    after += 1
                return cut, after
    cut = end
    while cut > start + 1 and not _cuttable(text, cut):
        cut -= 1
    return cut, cut


def split_ranges(text: str, limit: int = MAX_TEXT_UTF16) -> list[tuple[int, int]]:
    """Code-point ranges of the chunks; each is at most `limit` UTF-16 units long."""
    ranges: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end, following = _next_cut(text, start, limit)
        while end > start and text[end - 1] in " \n":
            end -= 1  # Telegram trims it anyway; this keeps chunks exact
        if end > start and text[start:end].strip():
            ranges.append((start, end))
        start = following
    return ranges


def _span_html(text: str, style: Style) -> str:
    escaped = html.escape(text, quote=False)
    tag = _TAGS.get(style)
    return f"<{tag}>{escaped}</{tag}>" if tag and text else escaped


def render_chunks(spans: Sequence[Span], limit: int = MAX_TEXT_UTF16) -> list[str]:
    """The HTML texts to send, in order; styles carry over a split."""
    full = "".join(span.text for span in spans)
    chunks: list[str] = []
    for start, end in split_ranges(full, limit):
        parts: list[str] = []
        position = 0
        for span in spans:
            span_start, span_end = position, position + len(span.text)
            position = span_end
            low, high = max(start, span_start), min(end, span_end)
            if low < high:
                parts.append(
                    _span_html(span.text[low - span_start : high - span_start], span.style)
                )
        chunks.append("".join(parts))
    return chunks


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Inline buttons whose callback data is the command typing would run.

    Telegram caps callback data at 64 bytes; a longer command cannot be a
    button, so it is left out (the text still says what to type).
    """
    usable: list[InlineKeyboardButton] = []
    for button in buttons:
        if len(button.command.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            log.warning(
                "telegram: button %r dropped: its command is over %d bytes",
                button.label,
                MAX_CALLBACK_DATA_BYTES,
            )
            continue
        usable.append(InlineKeyboardButton(button.label, callback_data=button.command))
    if not usable:
        return None
    rows = [usable[i : i + BUTTONS_PER_ROW] for i in range(0, len(usable), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)
