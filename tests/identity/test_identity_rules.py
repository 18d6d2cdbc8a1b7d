"""The pure rules: quiet windows and release times, who survives a link, merged roles,
what forgetting scrubs, and the barometer's arithmetic."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.identity import link_refusal, merge_grants, needs_admin, plan_link
from bot.domain.members import Identity, Member, Standing
from bot.domain.messages import OutgoingMessage, Span, Style
from bot.domain.privacy import forget_refusal, needles, scrub
from bot.domain.quiet import (
    NotifyPrefs,
    QuietError,
    QuietWindow,
    active_quiet_keys,
    check_zone,
    holds,
    next_local,
    parse_clock,
    parse_window,
    release_at,
)
from bot.domain.roles import Grant, Role
from bot.domain.stats import bar, median_of_counts
from bot.store.outbox import payload_text, span_text, spans_payload_text

PARIS = "Europe/Paris"


def _at(text: str, zone: str = PARIS) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("23:00-07:00", (1380, 420)),
        ("23h-7h", (1380, 420)),
        ("22h30 à 6h15", (1350, 375)),
        ("23:00 07:00", (1380, 420)),
        ("9.00–17.30", (540, 1050)),
    ],
)
def test_quiet_windows_are_read_as_people_type_them(typed: str, expected: tuple[int, int]) -> None:
    window = parse_window(typed)
    assert (window.start, window.end) == expected


@pytest.mark.parametrize("typed", ["25:00-07:00", "23:00-", "soon", "23:00-23:00", "7:60-8", ""])
def test_malformed_quiet_windows_are_refused(typed: str) -> None:
    with pytest.raises(QuietError):
        parse_window(typed)


def test_a_window_over_midnight_holds_at_night_only() -> None:
    window = QuietWindow(23 * 60, 7 * 60)
    assert window.contains(23 * 60) and window.contains(3 * 60) and window.contains(6 * 60 + 59)
    assert not window.contains(7 * 60) and not window.contains(12 * 60)
    assert window.label == "23:00-07:00"


def test_holding_and_release_follow_the_members_own_zone() -> None:
    prefs = NotifyPrefs(quiet=QuietWindow(1380, 420))
    night = _at("2025-03-12T23:30")
    assert holds(prefs, night, PARIS)
    assert not holds(prefs, night, PARIS, urgent=True)
    assert release_at(prefs, night, PARIS) == _at("2025-03-13T07:00")
    # 23:30 in Paris is 18:30 in Montréal: not quiet there.
    montreal = NotifyPrefs(tz="America/Montreal", quiet=QuietWindow(1380, 420))
    assert not holds(montreal, night, PARIS)
    daily = NotifyPrefs(digest_at=19 * 60)
    noon = _at("2025-03-12T12:00")
    assert holds(daily, noon, PARIS)
    assert release_at(daily, noon, PARIS) == _at("2025-03-12T19:00")
    assert release_at(NotifyPrefs(), noon, PARIS) is None


def test_the_release_after_a_change_of_time_comes_at_the_local_hour() -> None:
    # The night of 29-30 March 2025, Paris moves from +01:00 to +02:00.
    before = _at("2025-03-29T23:30")
    assert next_local(before, PARIS, 7 * 60) == _at("2025-03-30T07:00")
    assert next_local(before, PARIS, 7 * 60) - before == 6.5 * 3600


def test_only_the_windows_active_now_are_listed() -> None:
    night = _at("2025-06-01T02:00")
    keys = active_quiet_keys([(PARIS, 1380, 420), (PARIS, 540, 1020), ("Asia/Tokyo", 1380, 420)],
                             night)  # fmt: skip
    assert keys == [f"{PARIS}|1380|420"]


def test_zones_and_times_are_checked() -> None:
    assert check_zone("America/Montreal") == "America/Montreal"
    for bad in ("Mars/Olympus", "../../etc/passwd", "Europe/Paris\x00", "x" * 80, ""):
        with pytest.raises(QuietError):
            check_zone(bad)
    assert parse_clock("7h30") == 450
    with pytest.raises(QuietError):
        parse_clock("24:00")


def _member(
    id_: int,
    standing: Standing,
    platforms: tuple[str, ...],
    *,
    joined_at: float | None = None,
    grants: tuple[Grant, ...] = (),
) -> Member:
    return Member(
        id=id_,
        display_name=f"m{id_}",
        lang=None,
        joined=standing is Standing.MEMBER,
        home_platform=platforms[0] if platforms else None,
        identities=tuple(Identity(p, f"u{id_}", f"m{id_}") for p in platforms),
        grants=grants,
        standing=standing,
        joined_at=joined_at,
    )


def test_the_member_who_joined_first_stays_and_closed_ones_are_not_linked() -> None:
    old = _member(1, Standing.MEMBER, ("telegram",), joined_at=100.0)
    new = _member(2, Standing.MEMBER, ("irc",), joined_at=200.0)
    stranger = _member(3, Standing.UNKNOWN, ("discord",))
    assert plan_link(new, old).survivor.id == 1
    assert plan_link(stranger, new).survivor.id == 2
    assert link_refusal(old, old) == "link.same_member"
    assert link_refusal(old, _member(4, Standing.REMOVED, ("irc",))) == "link.closed"
    assert link_refusal(old, _member(5, Standing.MEMBER, ("telegram",))) == "link.same_platform"
    assert link_refusal(old, new) is None
    coordinator = _member(6, Standing.MEMBER, ("irc",), grants=(Grant(Role.COORDINATOR, "x"),))
    assert needs_admin(coordinator) and not needs_admin(new)


def test_merged_roles_keep_the_higher_one_in_each_scope() -> None:
    merged = merge_grants(
        [Grant(Role.COORDINATOR, "dept:069"), Grant(Role.COORDINATOR, None)],
        [Grant(Role.ADMIN, "dept:069"), Grant(Role.COORDINATOR, "dept:075")],
    )
    assert set(merged) == {
        Grant(Role.ADMIN, "dept:069"),
        Grant(Role.COORDINATOR, None),
        Grant(Role.COORDINATOR, "dept:075"),
    }


def test_forgetting_scrubs_whole_words_only() -> None:
    found = needles(['Marc "le rouge"', "marc", "al"], ["7771234"])
    assert "al" not in found  # too short to scrub from free text
    needles_json = json.dumps(list(found), ensure_ascii=False)
    text = "Marc a filmé au Marché ; @marc merci ; id 7771234, pas 77712345"
    assert scrub(text, needles_json, "ancien membre") == (
        "ancien membre a filmé au Marché ; ancien membre merci ; id ancien membre, pas 77712345"
    )
    body = json.dumps({"spans": [['Marc "le rouge" s\'en occupe', "plain"]]}, ensure_ascii=False)
    assert "le rouge" not in (scrub(body, needles_json, "ancien membre") or "")


def test_the_last_admin_and_config_admins_are_not_forgotten() -> None:
    assert forget_refusal(1, [1], target_is_config_admin=False) == "forget.last_admin"
    assert forget_refusal(1, [1, 2], target_is_config_admin=False) is None
    assert forget_refusal(3, [1], target_is_config_admin=True) == "forget.config_admin"


def test_bars_and_medians() -> None:
    assert bar(10, 10) == "██████████"
    assert bar(5, 10) == "█████"
    assert bar(1, 80) == "▏"  # something, never nothing
    assert bar(0, 10) == ""
    assert median_of_counts({1: 3, 5: 2}) == 1.0
    assert median_of_counts({1: 2, 5: 2}) == 3.0
    assert median_of_counts({}) is None


def test_a_digest_stored_from_encoded_spans_is_the_message_itself() -> None:
    message = OutgoingMessage(
        (
            Span("Pendant vos heures calmes : 2 alertes.", Style.BOLD),
            Span('\nA1 · 23:14 · « Dana » "quote" \\ é 🚨 — en cours'),
        )
    )
    assert spans_payload_text(span_text(s) for s in message.spans) == payload_text(message)
    assert OutgoingMessage.from_json(json.loads(payload_text(message))) == message
