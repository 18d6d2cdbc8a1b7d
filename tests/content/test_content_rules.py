"""The pure rules of content and pushes: lengths as each network counts, times, quotas."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.content import (
    ContentError,
    Network,
    bluesky_post,
    measure,
    parse_edit,
    parse_submission,
)
from bot.domain.pushes import (
    RuleKind,
    RunStatus,
    late_decision,
    occurrences,
    parse_push_request,
    quota_overflow,
)

PARIS = "Europe/Paris"
URL = "https://blog.example.org/retraites-le-vrai-chiffre-des-pensions-2026"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(PARIS)).timestamp()


def test_each_network_counts_length_its_own_way() -> None:
    text = f"Retraites 🧓 : le vrai chiffre {URL}"
    assert measure(Network.X, text) == len("Retraites ") + 2 + len(" : le vrai chiffre ") + 23
    assert measure(Network.MASTODON, text) == len("Retraites ") + 1 + 19 + 23
    shown, _ = bluesky_post(text)
    assert shown == "Retraites 🧓 : le vrai chiffre blog.example.org/retraites-le…"
    assert measure(Network.BLUESKY, text) == 30 + len("blog.example.org/retraites-le…")
    assert measure(Network.TELEGRAM, "🧓") == 2
    assert measure(Network.DISCORD, "🧓") == 1


def test_bluesky_link_facets_point_at_utf8_bytes_of_the_short_link() -> None:
    shown, [facet] = bluesky_post(f"Élan 👩‍👩‍👧 {URL}.")
    raw = shown.encode("utf-8")
    assert raw[facet.byte_start : facet.byte_end].decode() == "blog.example.org/retraites-le…"
    assert facet.uri == URL
    assert shown.endswith("….")


def test_a_submission_takes_its_link_clip_and_tags_apart() -> None:
    draft = parse_submission(f"Le vrai chiffre {URL} #retraites K17")
    assert (draft.text, draft.url, draft.clip_number, draft.scope) == (
        f"Le vrai chiffre {URL}",
        URL,
        17,
        ("retraites",),
    )
    with pytest.raises(ContentError):
        parse_submission("#retraites")
    assert parse_edit("x: court").network is Network.X
    assert parse_edit("x: -").text == ""
    assert parse_edit("Note: le texte").network is None


@pytest.mark.parametrize(
    ("words", "first", "kind", "count"),
    [
        ("now", "2026-03-10 20:00", RuleKind.ONCE, 1),
        ("at 21:30", "2026-03-10 21:30", RuleKind.ONCE, 1),
        ("à demain 08h00", "2026-03-11 08:00", RuleKind.ONCE, 1),
        ("in 2h", "2026-03-10 22:00", RuleKind.ONCE, 1),
        ("le 25/03 18:00", "2026-03-25 18:00", RuleKind.ONCE, 1),
        ("every day 08:00 until 2026-03-31", "2026-03-11 08:00", RuleKind.DAILY, 21),
        ("chaque jour 08:00 10 fois", "2026-03-11 08:00", RuleKind.DAILY, 10),
        ("every monday 08:00 4 times", "2026-03-16 08:00", RuleKind.WEEKLY, 4),
    ],
)
def test_when_a_push_runs(words: str, first: str, kind: RuleKind, count: int) -> None:
    now = at("2026-03-10 20:00")
    request = parse_push_request(
        f"{words} to #retraites mastodon".split(), now, PARIS, max_repeat=60
    )
    assert request.first_at == at(first)
    assert (request.rule.kind, request.rule.count) == (kind, count)
    assert request.targets.tags == ("retraites",)


def test_a_daily_push_keeps_its_local_time_across_summer_time() -> None:
    request = parse_push_request(
        ["every", "day", "08:00", "until", "2026-03-31"],
        at("2026-03-27 20:00"),
        PARIS,
        max_repeat=60,
    )
    times = occurrences(request.rule, request.first_at, ZoneInfo(PARIS))
    local = [datetime.fromtimestamp(t, ZoneInfo(PARIS)).strftime("%d %H:%M") for t in times]
    assert local == ["28 08:00", "29 08:00", "30 08:00", "31 08:00"]
    assert times[1] - times[0] == 23 * 3600  # the night the clocks go forward


def test_quota_counts_any_24_hours_and_grace_decides_what_is_held() -> None:
    hour = 3600.0
    existing = [0.0, 2 * hour]
    assert quota_overflow(existing, [20 * hour], 3) is None
    overflow = quota_overflow(existing, [20 * hour, 21 * hour], 3)
    assert overflow is not None and (overflow.at, overflow.count) == (20 * hour, 4)
    assert quota_overflow(existing, [30 * hour, 31 * hour], 3) is None
    assert late_decision(900, 900) is RunStatus.FIRED
    assert late_decision(901, 900) is RunStatus.HELD
