"""The dashboard's SQL scope filter agrees with the pure rule; the barometer's arithmetic."""

from __future__ import annotations

import json
import random
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain import NATIONAL, Grant, Role, TagAliases, plan_alias
from bot.domain.barometer import (
    AlertTimes,
    PeriodError,
    parse_period,
    percentile,
    weekly_response_times,
)
from bot.domain.oversight import Oversight, oversight_of, watches
from bot.store import Database
from bot.store.dashboard import ScopeFilter
from tests.fakes.engines import target_for

pytestmark = pytest.mark.both_engines

TAGS = ["dept:075", "dept:069", "retraites", "insoumise", "insoumis", NATIONAL, "theme:x"]


def _filter(view: Oversight, aliases: TagAliases) -> ScopeFilter:
    if view.network:
        return ScopeFilter(None)
    return ScopeFilter(tuple(sorted({*view.sql_tags(aliases), *aliases.synonyms(NATIONAL)})))


async def test_sql_scope_filter_agrees_with_what_a_coordinator_watches(tmp_path: Path) -> None:
    rng = random.Random(20261130)
    async with Database.open(target_for(tmp_path, "s.db")) as db:
        await db.migrate()
        async with db.transaction() as tx:
            await tx.tags.upsert(plan_alias(TagAliases(), "insoumise", "insoumis"))
            aliases = await tx.tags.aliases()
            author = await tx.members.resolve("console", "a", "a", None)
            scopes: dict[int, tuple[str, ...]] = {}
            for _ in range(300):
                scope = tuple(rng.sample(TAGS, rng.randint(0, 3)))
                alert_id = await tx._conn.fetchval(
                    "INSERT INTO alerts (text, scope, author_member_id, author_name,"
                    " origin_platform, origin_chat_id, origin_label, created_at)"
                    " VALUES ('x', ?, ?, 'a', 'console', '#r', '#r', ?) RETURNING id",
                    (json.dumps(scope), author.id, time.time()),
                )
                scopes[int(alert_id)] = scope
            for _ in range(60):
                grants = [
                    Grant(Role.COORDINATOR, rng.choice([*TAGS, None]))
                    for _ in range(rng.randint(1, 3))
                ]
                view = oversight_of(grants, aliases)
                assert view is not None
                ids, total = await tx.dashboard.open_alerts(_filter(view, aliases), 1000)
                expected = {i for i, s in scopes.items() if watches(view, s, aliases)}
                assert set(ids) == expected and total == len(expected)


def test_oversight_needs_a_coordinator_right() -> None:
    aliases = TagAliases()
    assert oversight_of([Grant(Role.MEMBER)], aliases) is None
    assert oversight_of([Grant(Role.ADMIN)], aliases) == Oversight(True, frozenset())
    scoped = oversight_of([Grant(Role.COORDINATOR, "dept:069")], aliases)
    assert scoped is not None and not scoped.network
    assert watches(scoped, ("dept:069", "dept:075"), aliases)
    assert watches(scoped, (), aliases)  # network-wide: it reached their rooms too
    assert not watches(scoped, ("dept:075",), aliases)


def test_percentiles_and_weeks() -> None:
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)
    zone = ZoneInfo("Europe/Paris")
    period = parse_period("2026-11-02", "2026-11-15", date(2026, 11, 30))
    tuesday = datetime(2026, 11, 3, 20, 47, tzinfo=zone).timestamp()
    weeks = weekly_response_times(
        [AlertTimes(tuesday, ack=60, rebuttal=3600), AlertTimes(tuesday + 60, ack=180)],
        zone,
        period,
    )
    assert [w.week.isoformat() for w in weeks] == ["2026-11-02", "2026-11-09"]
    assert weeks[0].median["ack"] == 120 and weeks[0].answered["rebuttal"] == 1
    assert weeks[0].median["clip"] is None and weeks[1].alerts == 0


def test_periods_are_checked() -> None:
    today = date(2026, 11, 30)
    assert parse_period(None, None, today).days == 28
    for first, last in (
        ("2026-13-01", None),
        ("2026-11-20", "2026-11-10"),
        ("2020-01-01", "2026-01-01"),
        ("x" * 60, None),
    ):
        with pytest.raises(PeriodError):
            parse_period(first, last, today)
