"""What people read about clips: both languages, and failures named for people."""

from __future__ import annotations


def test_clip_messages_exist_in_french_and_english_with_the_same_placeholders() -> None:
    from bot.domain.clips import ClipStatus, FailReason
    from bot.i18n.render import CATALOGUES, placeholders

    en, fr = CATALOGUES["en"], CATALOGUES["fr"]
    prefixes = ("clip.", "clips.", "url.", "range.", "archive.")
    ours = {k for k in en if k.startswith(prefixes)}
    assert ours == {k for k in fr if k.startswith(prefixes)}
    for key in ours:
        assert placeholders(en[key]) == placeholders(fr[key]), key
    assert {f"clip.fail.{r.value}" for r in FailReason} <= ours
    assert {f"clip.state.{s.value}" for s in ClipStatus} <= ours


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
