"""What goes on the IRC wire: parsing, refusing forged lines, splitting by bytes, rendering."""

from __future__ import annotations

import pytest

from bot.domain.messages import Button, OutgoingMessage, Span, Style
from bot.transports.irc import pacing
from bot.transports.irc.connection import nick_candidate, reconnect_delay
from bot.transports.irc.pacing import LinePacer
from bot.transports.irc.protocol import (
    MAX_LINE_BYTES,
    ProtocolError,
    irc_lower,
    parse,
    serialize,
    split_utf8,
    text_budget,
)
from bot.transports.irc.render import render_line, strip_formatting


def test_parse_reads_tags_prefix_command_and_trailing_param() -> None:
    msg = parse("@account=alice;msgid=a\\sb\\:c :alice!~a@host PRIVMSG #lyon :!alert x : y\r\n")
    assert msg.tags == {"account": "alice", "msgid": "a b;c"}
    assert msg.prefix == "alice!~a@host"
    assert msg.nick == "alice"
    assert msg.command == "PRIVMSG"
    assert msg.params == ("#lyon", "!alert x : y")
    assert parse("PING :irc.example").params == ("irc.example",)
    assert parse(":srv 005 me TARGMAX=PRIVMSG:4 :are supported").params[1] == "TARGMAX=PRIVMSG:4"


@pytest.mark.parametrize("bad", ["a\rQUIT", "a\nQUIT", "a\r\nQUIT :x", "nul\0byte"])
def test_no_cr_lf_or_nul_can_reach_the_wire(bad: str) -> None:
    with pytest.raises(ProtocolError):
        serialize("PRIVMSG", "#lyon", bad)
    with pytest.raises(ProtocolError):
        serialize("PRIVMSG", bad, "text")


def test_a_target_with_a_space_cannot_smuggle_a_parameter() -> None:
    with pytest.raises(ProtocolError):
        serialize("PRIVMSG", "#lyon :hi", "text")


def test_a_line_over_512_bytes_is_refused_not_sent() -> None:
    with pytest.raises(ProtocolError):
        serialize("PRIVMSG", "#lyon", "é" * 300)


@pytest.mark.parametrize(
    "text",
    [
        "é" * 700,
        "🚨" * 300,
        "a" + "日本語" * 200,
        "mot " * 400,
        "Député élu, réforme des retraites — vérifiez ! 🚨 " * 30,
    ],
)
@pytest.mark.parametrize("budget", [4, 5, 7, 50, 431])
def test_split_fits_the_budget_and_never_cuts_a_character(text: str, budget: int) -> None:
    pieces = split_utf8(text, budget)
    assert all(len(piece.encode()) <= budget for piece in pieces)
    assert all(piece for piece in pieces)
    rebuilt_no_space = "".join(pieces)
    rebuilt_spaces = " ".join(pieces)
    assert text in (rebuilt_no_space, rebuilt_spaces) or _same_words(text, pieces)


def _same_words(text: str, pieces: list[str]) -> bool:
    return "".join(text.split()) == "".join("".join(pieces).split())


def test_split_at_spaces_gives_the_text_back_with_spaces() -> None:
    text = " ".join(f"mot{i}" for i in range(300))
    assert " ".join(split_utf8(text, 100)) == text


def test_relayed_line_with_server_prefix_fits_in_512_bytes() -> None:
    budget = text_budget("PRIVMSG", "#blogueurs", "riposte", None)
    piece = split_utf8("é" * 1000, budget)[0]
    relayed = (
        b":riposte!"
        + b"u" * 11
        + b"@"
        + b"h" * 63
        + b" "
        + serialize("PRIVMSG", "#blogueurs", piece)
    )
    assert len(relayed) <= MAX_LINE_BYTES
    known = text_budget("PRIVMSG", "#b", "riposte", "~riposte@127.0.0.1")
    assert known > budget


def test_render_strips_control_characters_but_keeps_the_bots_bold() -> None:
    message = OutgoingMessage(
        (
            Span("Alerte ", Style.PLAIN),
            Span("A1", Style.BOLD),
            Span(" : \x02faux\x02 \x0304rouge\x03 \x1dit\x1d\x07bip\u202eevil"),
        ),
        buttons=(Button("Je m'en occupe", "/ack A1"),),
    )
    assert (
        render_line(message) == "Alerte \x02A1\x02 : faux rouge itbipevil [Je m'en occupe: !ack A1]"
    )
    assert render_line(message, bold=False).startswith("Alerte A1 :")


def test_line_breaks_become_one_line_with_separators() -> None:
    message = OutgoingMessage.plain("ligne 1\r\nQUIT :x\rligne 3\n\nligne 4")
    assert render_line(message) == "ligne 1 | QUIT :x | ligne 3 | ligne 4"


def test_inbound_formatting_is_stripped() -> None:
    assert strip_formatting("\x02!alert\x02 \x0312,01bleu\x03\tfin\x01") == "!alert bleu fin"


def test_nick_collision_candidates_and_casemapping() -> None:
    assert [nick_candidate("riposte", i, 9) for i in range(4)] == [
        "riposte",
        "riposte_",
        "riposte2",
        "riposte3",
    ]
    assert nick_candidate("longnickname", 1, 9) == "longnick_"
    assert irc_lower("Alice[Lyon]~") == "alice{lyon}^"
    assert irc_lower("Alice[Lyon]", "ascii") == "alice[lyon]"


def test_reconnect_backoff_grows_with_jitter_and_is_capped() -> None:
    assert reconnect_delay(0, 2.0, 300.0, lambda: 0.0) == 1.0
    assert reconnect_delay(0, 2.0, 300.0, lambda: 1.0) == 2.0
    assert reconnect_delay(3, 2.0, 300.0, lambda: 1.0) == 16.0
    assert reconnect_delay(30, 2.0, 300.0, lambda: 1.0) == 300.0


async def test_pacing_allows_a_burst_then_one_line_per_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(pacing.asyncio, "sleep", fake_sleep)
    pacer = LinePacer(burst=4, interval=2.0, clock=lambda: now[0])
    for _ in range(6):
        await pacer.acquire()
    assert slept == [pytest.approx(2.0), pytest.approx(2.0)]
    now[0] += 100.0
    await pacer.acquire()
    assert len(slept) == 2
