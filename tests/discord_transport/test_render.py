"""Discord markdown: user text is inert, long text splits where a reader expects."""

from __future__ import annotations

from bot.domain.messages import Button, OutgoingMessage, Span, Style
from bot.transports.discord.render import render_chunks, render_markdown, split_text


def test_markdown_in_user_text_is_shown_not_interpreted() -> None:
    message = OutgoingMessage((Span("Alerte", Style.BOLD), Span(" : **gras** _x_ `y` ~~z~~ ||s||")))
    text = render_markdown(message)
    assert text.startswith("**Alerte**")
    assert "\\*\\*gras\\*\\*" in text and "\\_x\\_" in text and "\\`y\\`" in text
    assert "\\~\\~z\\~\\~" in text and "\\|\\|s\\|\\|" in text


def test_links_survive_escaping() -> None:
    url = "https://www.france.tv/france-2/direct_live.html#t=1"
    assert url in render_markdown(OutgoingMessage.plain(f"voir {url}"))


def test_split_prefers_paragraphs_then_lines() -> None:
    first = "a" * 1500
    second = "b" * 1000
    assert split_text(f"{first}\n\n{second}") == [first, second]
    assert split_text(f"{first}\n{second}") == [first, second]


def test_split_never_separates_an_escape_from_its_character() -> None:
    text = "x" * 1999 + "\\*" + "y" * 100
    pieces = split_text(text)
    assert all(len(p) <= 2000 for p in pieces)
    assert "".join(pieces) == text
    assert not pieces[0].endswith("\\")


def test_buttons_go_under_the_last_piece_only() -> None:
    message = OutgoingMessage((Span("mot " * 600),), (Button("OK", "/ack A1"),))
    chunks = render_chunks(message)
    assert len(chunks) == 2
    assert chunks[0].buttons == () and chunks[1].buttons == (Button("OK", "/ack A1"),)


def test_role_mentions_lead_the_first_piece() -> None:
    chunks = render_chunks(OutgoingMessage.plain("Alerte"), ("111111111111111111",))
    assert chunks[0].content == "<@&111111111111111111>\nAlerte"


def test_button_too_long_for_a_custom_id_is_left_out() -> None:
    message = OutgoingMessage((Span("x"),), (Button("Trop", "/ack " + "A" * 200),))
    assert render_chunks(message)[0].buttons == ()
