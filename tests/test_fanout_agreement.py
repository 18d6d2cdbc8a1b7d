"""The SQL fan-out must select exactly whom the domain rule selects."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.domain import (
    NATIONAL,
    OutgoingMessage,
    TagAliases,
    Target,
    TargetKind,
    is_network_wide,
    plan_alias,
    plan_fanout,
)
from bot.store import Database, Priority
from tests.fakes.engines import target_for

pytestmark = pytest.mark.both_engines


TAGS = ["dept:075", "dept:069", "retraites", "insoumise", "insoumis", NATIONAL, "theme:x"]


async def test_sql_fanout_agrees_with_the_domain_rule(tmp_path: Path) -> None:
    rng = random.Random(20261122)
    async with Database.open(target_for(tmp_path, "f.db")) as db:
        await db.migrate()
        async with db.transaction() as tx:
            await tx.tags.upsert(plan_alias(TagAliases(), "insoumise", "insoumis"))
            for i in range(300):
                platform = rng.choice(["console", "telegram", "discord"])
                member = await tx.members.resolve(platform, f"u{i}", f"u{i}", None)
                if rng.random() < 0.9:
                    await tx.members.join(member.id, platform)
                if rng.random() < 0.8:
                    await tx.members.set_dm_reachable(platform, f"u{i}", True)
                if rng.random() < 0.05:
                    await tx.members.mark_unreachable(platform, f"u{i}", "blocked")
                await tx.members.subscribe(member.id, rng.sample(TAGS, rng.randint(0, 2)))
                if rng.random() < 0.3:
                    await tx.members.set_lang(member.id, "en")
        for round_ in range(12):
            scope = tuple(rng.sample(TAGS, rng.randint(0, 2)))
            author = rng.randint(1, 300)
            async with db.transaction() as tx:
                aliases = await tx.tags.aliases()
                subscribers = await tx.members.subscribers()
                expected = plan_fanout(
                    scope,
                    (),
                    subscribers,
                    aliases,
                    Target("console", TargetKind.ROOM, "#origin"),
                    author,
                )
                wanted = {
                    (r.target.platform, r.target.address, r.lang or "fr")
                    for r in expected.members
                    if r.target.platform != "discord"
                }
                result = await tx.fanout.enqueue_for_subscribers(
                    scope=aliases.canonical_set(scope),
                    network_wide=is_network_wide(scope, aliases),
                    national=aliases.canonical(NATIONAL),
                    author_member_id=author,
                    messages={"fr": OutgoingMessage.plain("fr"), "en": OutgoingMessage.plain("en")},
                    default_lang="fr",
                    no_dm_platforms={"discord"},
                    priority=Priority.ALERT,
                    subject=f"alert:{round_}",
                )
                rows = await tx.outbox.copies(f"alert:{round_}")
            got = {(r.target.platform, r.target.address, r.lang) for r in rows}
            assert got == wanted, scope
            assert all(r.message.text == r.lang for r in rows)
            assert result.queued == len(wanted)
            dead = [m for m in expected.unreachable_members if m.home_platform != "discord"]
            assert result.unreachable == len(dead)
