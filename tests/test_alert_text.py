from __future__ import annotations

import pytest

from bot.domain import AlertTextError, parse_alert_text
from bot.domain.alerts import MAX_ALERT_LENGTH


def test_tags_become_the_scope_and_leave_the_text() -> None:
    draft = parse_alert_text(
        "Le député X affirme sur France 2 https://www.france.tv/direct.html #retraites #Dept:075"
    )
    assert draft.scope == ("retraites", "dept:075")
    assert draft.text == "Le député X affirme sur France 2 https://www.france.tv/direct.html"
    assert draft.url == "https://www.france.tv/direct.html"


def test_a_url_fragment_is_not_a_tag() -> None:
    draft = parse_alert_text("voir https://example.org/page#section maintenant")
    assert draft.scope == ()
    assert draft.url == "https://example.org/page#section"


@pytest.mark.parametrize(("raw", "key"), [("", "alert.empty"), ("#retraites", "alert.empty"),
                                          ("texte #bad/tag", "alert.bad_tag")])
def test_bad_alert_text_is_explained(raw: str, key: str) -> None:
    with pytest.raises(AlertTextError) as error:
        parse_alert_text(raw)
    assert error.value.key == key


def test_oversized_alert_is_refused() -> None:
    with pytest.raises(AlertTextError) as error:
        parse_alert_text("x" * (MAX_ALERT_LENGTH + 1))
    assert error.value.key == "alert.too_long"
