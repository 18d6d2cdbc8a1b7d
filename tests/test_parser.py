from __future__ import annotations

import pytest

from bot.commands import Choice, Id, Rest, Tags, UsageError, Word, bind, parse_command, tokenize
from bot.commands.parser import clean_text
from bot.domain import Kind, parse_short_id
from bot.i18n import text


@pytest.mark.parametrize(
    ("text", "name", "rest", "addressee"),
    [
        ("/alert hello", "alert", "hello", None),
        ("!alert hello", "alert", "hello", None),
        ("  /ALERT   hello  world ", "alert", "hello  world", None),
        ("/alert@RiposteBot hello", "alert", "hello", "RiposteBot"),
        ("/help", "help", "", None),
    ],
)
def test_commands_are_recognised_with_every_prefix(
    text: str, name: str, rest: str, addressee: str | None
) -> None:
    parsed = parse_command(text)
    assert parsed is not None
    assert (parsed.name, parsed.rest, parsed.addressee) == (name, rest, addressee)


@pytest.mark.parametrize("text", ["hello", "/", "/ alert", "//alert", "/123", "", "/a/b"])
def test_plain_text_is_not_a_command(text: str) -> None:
    parsed = parse_command(text)
    assert parsed is None or (parsed.name == "a" and parsed.rest == "")


def test_quotes_group_words_but_apostrophes_do_not() -> None:
    tokens = [t.text for t in tokenize("\"deux mots\" n'importe « trois mots ici » fin")]
    assert tokens == ["deux mots", "n'importe", "trois mots ici", "fin"]


def test_unclosed_quote_runs_to_the_end() -> None:
    assert [t.text for t in tokenize('a "b c')] == ["a", "b c"]


@pytest.mark.parametrize("raw", ["A17", "a17", "A-17", "a_17", "#A17", " A17 "])
def test_short_ids_are_forgiving(raw: str) -> None:
    parsed = parse_short_id(raw, Kind.ALERT)
    assert parsed is not None and parsed.number == 17 and str(parsed) == "A17"


@pytest.mark.parametrize("raw", ["T17", "A", "17", "A0", "AA17", "A17x", "A" + "9" * 20])
def test_wrong_ids_are_rejected(raw: str) -> None:
    assert parse_short_id(raw, Kind.ALERT) is None


def test_binding_reports_missing_extra_and_malformed_arguments() -> None:
    args = (Id("alert", kind=Kind.ALERT),)
    assert bind(args, "A5", tokenize("A5")) == {"alert": 5}
    with pytest.raises(UsageError) as missing:
        bind(args, "", [])
    assert missing.value.key == "args.missing"
    with pytest.raises(UsageError) as extra:
        bind(args, "A5 B6", tokenize("A5 B6"))
    assert extra.value.key == "args.unexpected"
    with pytest.raises(UsageError) as bad:
        bind(args, "T5", tokenize("T5"))
    assert bad.value.key == "args.other_kind"


def test_a_mistyped_id_says_what_it_is_and_what_was_expected() -> None:
    args = (Id("content", kind=Kind.CONTENT), Rest("text", optional=True))
    assert bind(args, "c 4 hello", tokenize("c 4 hello")) == {"content": 4, "text": "hello"}
    for typed, said in [
        ("a17 x", "A17 is an alert, not a content item: this command takes an id like C4."),
        ("P 5 x", "P5 is a push, not a content item: this command takes an id like C4."),
        ("X9 x", '"X9" is not a content id: write it like C4.'),
    ]:
        with pytest.raises(UsageError) as wrong:
            bind(args, typed, tokenize(typed))
        assert text("en", wrong.value.key, **wrong.value.params) == said
    with pytest.raises(UsageError) as wrong:
        bind(args, "X9", tokenize("X9"))
    assert text("fr", wrong.value.key, **wrong.value.params) == (
        "« X9 » n'est pas un identifiant de contenu : écrivez-le comme C4."
    )


def test_rest_keeps_the_text_as_typed() -> None:
    raw = "Député X dit n'importe quoi  \"vraiment\" #retraites"
    assert bind((Rest("text"),), raw, tokenize(raw)) == {"text": raw}


def test_choice_and_tags_bind_together() -> None:
    args = (Choice("action", optional=True, choices={"add": "add"}), Tags("tags"))
    raw = "add #Dept:075 théme:Retraites"
    assert bind(args, raw, tokenize(raw)) == {
        "action": "add",
        "tags": ("dept:075", "theme:retraites"),
    }
    assert bind(args, "", []) == {"action": None, "tags": ()}
    with pytest.raises(UsageError):
        bind(args, "add bad/tag", tokenize("add bad/tag"))


def test_word_length_is_capped() -> None:
    with pytest.raises(UsageError):
        bind((Word("w", max_length=5),), "abcdefgh", tokenize("abcdefgh"))


def test_control_and_bidi_characters_are_stripped() -> None:
    assert clean_text("a\x00b\u202ec\r\nd\x1b[31m") == "abc\nd[31m"


def test_no_text_can_start_a_line_of_the_consoles_output() -> None:
    """Input is cleaned, and the console's own rendering indents whatever splits a line,
    so a title fetched from a remote site cannot forge `-> @carol: …` either."""
    from bot.commands.parser import clean_name, clean_text
    from bot.domain.messages import OutgoingMessage, Target, TargetKind
    from bot.transports.console.render import format_output

    separators = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    for sep in separators:
        if sep != "\r":  # a carriage return is a newline, kept as one
            assert len(clean_text(f"a{sep}-> @carol: x").splitlines()) == 1, repr(sep)
        assert clean_name(f"al{sep}ice\n-> x") in ("alice -> x", "al ice -> x")
        rendered = format_output(
            Target("console", TargetKind.ROOM, "#lyon"),
            OutgoingMessage.plain(f"Titre{sep}-> @carol: piège"),
        )
        assert all(
            line.startswith(("-> #lyon: ", "    ")) for line in rendered.splitlines()
        ), repr(sep)
