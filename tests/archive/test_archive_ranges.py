from __future__ import annotations

import pytest

from bot.domain.clips import format_size, progress_bar
from bot.domain.ranges import ClipRange, RangeError, check_length, parse_range


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", ClipRange(0, None)),
        ("from 12:30 to 13:10", ClipRange(750, 790)),
        ("de 12:30 à 13:10", ClipRange(750, 790)),
        ("12:30-13:10", ClipRange(750, 790)),
        ("12:30 - 13:10", ClipRange(750, 790)),
        ("from 1:02:30", ClipRange(3750, None)),
        ("+40s", ClipRange(0, 40)),
        ("from 12:30 +40s", ClipRange(750, 790)),
        ("12:30 +1m30s", ClipRange(750, 840)),
        ("from 90 to 100.5", ClipRange(90, 100.5)),
    ],
)
def test_ranges_typed_in_chat_are_understood(typed: str, expected: ClipRange) -> None:
    assert parse_range(typed) == expected


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("from 12:3x to 13:10", "range.bad_time"),
        ("from 12:75", "range.bad_time"),
        ("13:10-12:30", "range.backwards"),
        ("from 12:30 to", "range.malformed"),
        ("to 1:00 to 2:00", "range.malformed"),
        ("hello world", "range.bad_time"),
        ("+abc", "range.bad_length"),
        ("+0s", "range.empty"),
    ],
)
def test_malformed_times_get_a_clear_error(typed: str, key: str) -> None:
    with pytest.raises(RangeError) as caught:
        parse_range(typed)
    assert caught.value.key == key


def test_over_long_range_is_refused() -> None:
    with pytest.raises(RangeError) as caught:
        check_length(parse_range("from 0:00 to 45:00"), max_seconds=1800)
    assert caught.value.key == "range.too_long"
    check_length(parse_range("from 0:00 to 30:00"), max_seconds=1800)
    check_length(parse_range("from 10:00"), max_seconds=1800)  # open end: checked by the worker


def test_progress_bar_and_sizes_read_as_in_the_scenario() -> None:
    assert progress_bar(0.52) == "▓▓▓▓▓░░░░░ 52 %"
    assert progress_bar(1.0) == "▓▓▓▓▓▓▓▓▓▓ 100 %"
    assert progress_bar(None) == "░░░░░░░░░░"
    assert format_size(6_100_000) == "6.1 MB"
