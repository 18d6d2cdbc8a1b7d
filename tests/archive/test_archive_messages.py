"""What people read about clips: both languages, and failures named for people."""

from __future__ import annotations


def test_clip_messages_exist_in_french_and_english_with_the_same_placeholders() -> None:
    from bot.i18n import en, fr
    from bot.i18n.render import placeholders

    prefixes = ("clip.", "clips.", "url.", "range.")
    ours = {k for k in en.MESSAGES if k.startswith(prefixes)}
    assert ours == {k for k in fr.MESSAGES if k.startswith(prefixes)}
    for key in ours:
        assert placeholders(en.MESSAGES[key]) == placeholders(fr.MESSAGES[key]), key


def test_worker_failures_are_named_for_people() -> None:
    from bot.archive.worker import _classify
    from bot.domain.clips import FailReason

    assert _classify("ERROR: Unsupported URL: https://x") is FailReason.UNSUPPORTED
    assert (
        _classify(
            "ERROR: [x] 1: This video is not available from your location due to geo restriction"
        )
        is FailReason.GEO
    )
    assert _classify("ERROR: Unable to download webpage: HTTP Error 404") is FailReason.NETWORK
    assert _classify("ERROR: George's video is odd") is FailReason.FAILED
