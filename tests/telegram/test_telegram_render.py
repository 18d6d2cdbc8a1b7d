"""Rendering and splitting, as a Telegram reader would see the result."""

from __future__ import annotations

import datetime as dt

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.domain.messages import Button, Span, Style
from bot.transports import PermanentError, RateLimited, TransientError
from bot.transports.telegram import keyboard, map_error, render_chunks, split_ranges, utf16_len
from tests.fakes.telegram_api import parse_html


def visible(chunks: list[str]) -> list[str]:
    return [parse_html(chunk)[0] for chunk in chunks]


def test_user_text_is_escaped_and_only_styles_become_tags() -> None:
    spans = (
        Span("Alerte A1", Style.BOLD),
        Span(" : <b>x</b> & <script>"),
        Span("<i>", Style.CODE),
    )
    [chunk] = render_chunks(spans)
    assert (
        chunk
        == "<b>Alerte A1</b> : &lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;<code>&lt;i&gt;</code>"
    )
    text, entities = parse_html(chunk)
    assert text == "Alerte A1 : <b>x</b> & <script><i>"
    assert [e["type"] for e in entities] == ["bold", "code"]


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    paragraph = "mot " * 500  # 2000 characters
    text = paragraph + "\n\n" + paragraph + "\n\n" + paragraph
    chunks = visible(render_chunks((Span(text),)))
    assert len(chunks) == 2
    assert chunks == [(paragraph + "\n\n" + paragraph).rstrip(), paragraph.rstrip()]
    one_line = "x" * 3000 + "\n" + "y" * 3000
    assert visible(render_chunks((Span(one_line),))) == ["x" * 3000, "y" * 3000]
    words = " ".join(["abcdefghi"] * 800)
    parts = visible(render_chunks((Span(words),)))
    assert all(part.split(" ") == ["abcdefghi"] * len(part.split(" ")) for part in parts)


def test_split_counts_utf16_and_never_breaks_an_emoji() -> None:
    text = "👍🏽" * 3000  # 4 UTF-16 units each, no space anywhere
    ranges = split_ranges(text)
    pieces = [text[a:b] for a, b in ranges]
    assert "".join(pieces) == text
    assert all(utf16_len(piece) <= 4096 for piece in pieces)
    assert all(len(piece) % 2 == 0 for piece in pieces)  # thumb and skin tone stay together


def test_bold_survives_a_split_inside_it() -> None:
    spans = (Span("a" * 5000, Style.BOLD),)
    chunks = render_chunks(spans)
    assert len(chunks) == 2
    assert all(c.startswith("<b>") and c.endswith("</b>") for c in chunks)


def test_button_commands_become_callback_data_and_overlong_ones_are_dropped() -> None:
    markup = keyboard((Button("Je m'en occupe", "/ack A1"), Button("Trop", "/x " + "é" * 40)))
    assert markup is not None
    [[button]] = markup.inline_keyboard
    assert (button.text, button.callback_data) == ("Je m'en occupe", "/ack A1")
    assert keyboard(()) is None


def test_errors_map_to_what_the_delivery_engine_does() -> None:
    limited = map_error(RetryAfter(dt.timedelta(seconds=7)))
    assert isinstance(limited, RateLimited) and limited.retry_after == 7
    assert isinstance(
        map_error(Forbidden("Forbidden: bot was blocked by the user")), PermanentError
    )
    assert isinstance(map_error(BadRequest("Bad Request: chat not found")), PermanentError)
    assert isinstance(map_error(BadRequest("Bad Request: can't parse entities")), TransientError)
    assert isinstance(map_error(TimedOut()), TransientError)
    assert isinstance(map_error(NetworkError("Bad Gateway")), TransientError)
