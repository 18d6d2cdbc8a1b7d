"""Joining, codes, the cascade and alert limits: pure rules, and the SQL pinned to them."""

from __future__ import annotations

import random

import pytest

from bot.domain import TagAliases
from bot.domain.alert_limits import canonical_url, duplicate_covers, next_alert_at
from bot.domain.members import Standing
from bot.domain.membership import (
    CODE_LENGTH,
    Invitation,
    JoinOutcome,
    cascade_levels,
    decide_join,
    invitation_problem,
    new_invite_code,
    normalize_code,
)
from bot.store import Database

pytestmark = pytest.mark.both_engines


@pytest.fixture
async def db(store: Database) -> Database:
    """The store on the engine of the run (both engines)."""
    return store


def _decide(standing: Standing, **kw: bool) -> JoinOutcome:
    values = {
        "identified": True,
        "open_join": False,
        "trust_linked_rooms": False,
        "in_linked_room": False,
        **kw,
    }
    return decide_join(standing, **values)


def test_join_waits_for_vetting_unless_the_network_says_otherwise() -> None:
    assert _decide(Standing.UNKNOWN) is JoinOutcome.REQUEST
    assert _decide(Standing.UNKNOWN, open_join=True) is JoinOutcome.ADMIT
    assert _decide(Standing.UNKNOWN, trust_linked_rooms=True) is JoinOutcome.REQUEST
    assert (
        _decide(Standing.UNKNOWN, trust_linked_rooms=True, in_linked_room=True) is JoinOutcome.ADMIT
    )
    assert _decide(Standing.UNKNOWN, open_join=True, identified=False) is JoinOutcome.REQUEST
    assert _decide(Standing.PENDING, open_join=True) is JoinOutcome.WAITING
    assert _decide(Standing.REFUSED, open_join=True) is JoinOutcome.CLOSED
    assert _decide(Standing.REMOVED) is JoinOutcome.CLOSED
    assert _decide(Standing.MEMBER) is JoinOutcome.ALREADY


def test_codes_are_easy_to_type_and_forgiving_about_case_and_dashes() -> None:
    code = new_invite_code()
    assert len(code) == CODE_LENGTH and normalize_code(code) == code
    assert normalize_code(f" {code[:4].lower()}-{code[4:]} ") == code
    for bad in ("", "join", "O" * CODE_LENGTH, code + "X", "'; DROP TABLE", "１" * CODE_LENGTH):
        assert normalize_code(bad) is None


def test_a_code_admits_once_before_it_expires() -> None:
    fresh = Invitation(1, 2, (), created_at=0, expires_at=100)
    assert invitation_problem(fresh, 50) is None
    assert invitation_problem(fresh, 100) == "invite.expired"
    assert invitation_problem(None, 50) == "invite.unknown"
    used = Invitation(1, 2, (), created_at=0, expires_at=100, used_by=3, used_at=10)
    assert invitation_problem(used, 50) == "invite.used"
    revoked = Invitation(1, 2, (), created_at=0, expires_at=100, revoked_at=10)
    assert invitation_problem(revoked, 50) == "invite.revoked"


def test_the_cascade_counts_levels_and_survives_a_loop() -> None:
    children = {1: [2, 3], 2: [4, 5], 4: [6], 6: [1]}  # 6 re-sponsored the root: a loop
    assert cascade_levels(children, 1) == [2, 2, 1]
    assert cascade_levels(children, 5) == []
    assert cascade_levels(children, 2) == [2, 1, 1, 1]


async def test_the_sql_cascade_agrees_with_the_rule(db: Database) -> None:
    rng = random.Random(7)
    async with db.transaction() as tx:
        ids = []
        for i in range(120):
            member = await tx.members.resolve("fake", f"u{i}", f"u{i}", None)
            sponsor = rng.choice(ids) if ids and rng.random() < 0.9 else None
            await tx.members.admit(member.id, "fake", sponsor_id=sponsor)
            ids.append(member.id)
        edges = await tx.members.sponsor_edges()
        for root in rng.sample(ids, 15):
            assert await tx.members.cascade_levels(root) == cascade_levels(edges, root), root


def test_the_same_page_gives_the_same_key() -> None:
    base = canonical_url("https://www.france.tv/direct.html")
    for same in (
        "http://FRANCE.tv/direct.html/",
        "https://www.france.tv:443/direct.html#t=30",
        "https://france.tv/direct.html?utm_source=x&fbclid=y",
    ):
        assert canonical_url(same) == base, same
    assert canonical_url("https://youtube.com/watch?v=A") != canonical_url(
        "https://youtube.com/watch?v=B"
    )
    assert canonical_url("https://[::1") == "https://[::1"  # unparsable: kept as typed


def test_the_hourly_limit_is_a_sliding_hour() -> None:
    now = 10_000.0
    assert next_alert_at([now - 10] * 5, 6, now) is None
    six = [now - 3000, now - 2000, now - 100, now - 50, now - 20, now - 10]
    assert next_alert_at(six, 6, now) == pytest.approx(now - 3000 + 3600)
    assert next_alert_at([now - 4000] * 10, 6, now) is None
    assert next_alert_at(six, 0, now) is None


def test_a_duplicate_is_an_alert_that_already_reached_everyone_the_new_one_would() -> None:
    none = TagAliases()
    assert duplicate_covers((), ("dept:069",), none)
    assert duplicate_covers(("dept:069", "dept:075"), ("dept:069",), none)
    assert not duplicate_covers(("dept:075",), ("dept:069",), none)
    assert not duplicate_covers(("dept:069",), (), none)
    assert duplicate_covers(("rhone",), ("dept:069",), TagAliases({"rhone": "dept:069"}))


async def test_a_sponsor_that_would_close_a_loop_is_not_recorded(db: Database) -> None:
    async with db.transaction() as tx:
        a = await tx.members.resolve("fake", "a", "a", None)
        b = await tx.members.resolve("fake", "b", "b", None)
        await tx.members.admit(a.id, "fake")  # came in on their own (open join)
        await tx.members.admit(b.id, "fake", sponsor_id=a.id)
        await tx.members.admit(a.id, "fake", sponsor_id=b.id)  # re-accepted by b later
        again = await tx.members.get(a.id)
        assert again is not None and again.sponsor_id is None
        assert await tx.members.cascade_levels(a.id) == [1]
        assert await tx.members.cascade_levels(b.id) == []
