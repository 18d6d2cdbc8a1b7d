from __future__ import annotations

from bot.domain import Style
from bot.i18n import CATALOGUES, count, placeholders, spans, text


def test_every_message_exists_in_french_and_english_with_the_same_values() -> None:
    fr, en = CATALOGUES["fr"], CATALOGUES["en"]
    assert set(fr) == set(en)
    for key in fr:
        assert placeholders(fr[key]) == placeholders(en[key]), key


def test_user_values_never_become_markup() -> None:
    result = spans("fr", "alert.relay", id="A1", author="**x**", origin="#p", text="<b>hi</b>",
                   tags="")
    bold = [s.text for s in result if s.style is Style.BOLD]
    assert bold == ["🚨 Alerte A1"]
    assert "**x**" in "".join(s.text for s in result)


def test_plurals_follow_each_language() -> None:
    assert count("fr", "count.rooms", 0) == "0 salon"
    assert count("fr", "count.rooms", 2) == "2 salons"
    assert count("en", "count.rooms", 0) == "0 rooms"
    assert count("en", "count.rooms", 1) == "1 room"


def test_placeholders_named_like_parameters_are_fine() -> None:
    assert text("en", "me.lang", lang="fr") == "Language: fr"
