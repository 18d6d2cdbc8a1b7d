"""The SQL fan-out selects exactly whom the domain rule selects, with linked identities,
`notify` choices, quiet hours, daily digests and urgent alerts in the mix."""

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
    plan_fanout,
)
from bot.domain.alerts import AlertDraft
from bot.domain.quiet import NOTIFY_ALL, QuietWindow, active_quiet_keys, holds
from bot.store import Database, Priority
from bot.store.fanout import Holding
from tests.fakes.engines import target_for

pytestmark = pytest.mark.both_engines

TAGS = ["dept:075", "dept:069", "retraites", NATIONAL]
PLATFORMS = ["console", "telegram", "discord"]
ZONES = ["Europe/Paris", "America/Montreal", None]


async def test_sql_fanout_agrees_with_the_domain_for_linked_and_quiet_members(
    tmp_path: Path,
) -> None:
    rng = random.Random(16)
    network_tz = "Europe/Paris"
    async with Database.open(target_for(tmp_path, "f.db")) as db:
        await db.migrate()
        members: list[int] = []
        async with db.transaction() as tx:
            for i in range(240):
                platforms = rng.sample(PLATFORMS, rng.choice([1, 1, 2, 3]))
                first = await tx.members.resolve(platforms[0], f"u{i}", f"u{i}", None)
                members.append(first.id)
                if rng.random() < 0.9:
                    await tx.members.join(first.id, platforms[0])
                for n, platform in enumerate(platforms):
                    if n:
                        other = await tx.members.resolve(platform, f"u{i}", f"u{i}", None)
                        await tx.identities.merge(first.id, other.id)
                    if rng.random() < 0.8:
                        await tx.members.set_dm_reachable(platform, f"u{i}", True)
                    if rng.random() < 0.05:
                        await tx.members.mark_unreachable(platform, f"u{i}", "blocked")
                roll = rng.random()
                if roll < 0.25:
                    await tx.identities.set_notify(first.id, NOTIFY_ALL)
                elif roll < 0.5:
                    await tx.identities.set_notify(first.id, rng.choice(platforms))
                roll = rng.random()
                if roll < 0.3:
                    start, end = rng.choice([(1380, 420), (0, 1439), (600, 660)])
                    await tx.identities.set_quiet(first.id, QuietWindow(start, end))
                elif roll < 0.4:
                    await tx.identities.set_digest(first.id, 19 * 60)
                await tx.identities.set_tz(first.id, rng.choice(ZONES))
                await tx.members.subscribe(first.id, rng.sample(TAGS, rng.randint(0, 2)))
        for round_ in range(10):
            scope = tuple(rng.sample(TAGS, rng.randint(0, 2)))
            author = rng.choice(members)  # ids as the engine gave them (merges leave gaps)
            urgent = round_ % 4 == 3
            keep = round_ % 5 != 4  # a task reminder: quiet members skipped, nothing kept
            now = 1_750_000_000.0 + rng.randint(0, 86_400)
            async with db.transaction() as tx:
                alert = await tx.alerts.create(
                    AlertDraft("x", None, scope),
                    author_member_id=author,
                    author_name="a",
                    origin_platform="console",
                    origin_chat_id="#origin",
                    origin_label="#origin",
                    origin_private=False,
                )
                aliases = TagAliases()
                subscribers = await tx.members.subscribers()
                expected = plan_fanout(
                    scope,
                    (),
                    subscribers,
                    aliases,
                    Target("console", TargetKind.ROOM, "#origin"),
                    author,
                    no_dm_platforms=frozenset({"discord"}),
                    holding=lambda m, now=now, urgent=urgent: holds(
                        m.prefs, now, network_tz, urgent=urgent
                    ),
                )
                windows = await tx.fanout.quiet_windows(network_tz)
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
                    holding=Holding(
                        alert_id=alert.id,
                        now=now,
                        network_tz=network_tz,
                        quiet_active=tuple(active_quiet_keys(windows, now)),
                        urgent=urgent,
                        keep=keep,
                    ),
                )
                rows = await tx.outbox.copies(f"alert:{round_}")
                held = await tx.digests.held_members(alert.id)
                in_rooms = await tx.fanout.count_notified_in_rooms(
                    scope=aliases.canonical_set(scope),
                    network_wide=is_network_wide(scope, aliases),
                    national=aliases.canonical(NATIONAL),
                    author_member_id=author,
                    platforms={"discord"},
                    no_dm_platforms={"discord"},
                )
            got = {(r.target.platform, r.target.address) for r in rows}
            wanted = {(r.target.platform, r.target.address) for r in expected.members}
            assert got == wanted, (round_, scope)
            assert result.queued == len(wanted)
            assert held == ({m.id for m in expected.held} if keep else set())
            assert result.held == (len(expected.held) if keep else 0)
            assert result.unreachable == len(expected.unreachable_members)
            assert in_rooms == len(expected.notified_in_rooms)
