"""The barometer: SQL counts agree with the pure rules on random data; `stats` answers
each form, with bars, and keeps scope figures to the scope's coordinators."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from bot.domain.stats import (
    AckRow,
    AlertRow,
    ClipRow,
    Period,
    TaskRow,
    median_of_counts,
    scope_week,
)
from bot.domain.tags import TagAliases
from bot.store import Database
from tests.fakes.engines import target_for
from tests.identity.conftest import network

pytestmark = pytest.mark.both_engines

TAGS = ["dept:075", "dept:069", "insoumis", "insoumise", "national"]


async def test_sql_barometer_agrees_with_the_domain_rules(tmp_path: Path) -> None:
    rng = random.Random(1616)
    now = 2_000_000_000.0
    aliases = TagAliases({"insoumise": "insoumis"})
    alerts: list[AlertRow] = []
    acks: list[AckRow] = []
    tasks: list[TaskRow] = []
    clips: list[ClipRow] = []
    async with Database.open(target_for(tmp_path, "s.db")) as db:
        await db.migrate()
        async with db.transaction() as tx:
            conn = tx._conn
            await conn.execute("INSERT INTO tag_aliases VALUES ('insoumise', 'insoumis')")
            for m in range(1, 61):
                await conn.execute(
                    "INSERT INTO members (id, display_name, created_at, joined, joined_at,"
                    " sponsor_id) VALUES (?, 'm', 0, 1, ?, ?)",
                    (m, now - rng.randint(0, 40) * 86400, rng.choice([None, *range(1, min(m, 4))])),
                )
            for a in range(1, 301):
                scope = tuple(rng.sample(TAGS, rng.randint(0, 2)))
                created = now - rng.uniform(0, 20 * 86400)
                author = rng.choice([None, *range(1, 61)])
                alerts.append(AlertRow(a, scope, author, created))
                await conn.execute(
                    "INSERT INTO alerts (id, text, scope, author_member_id, author_name,"
                    " origin_platform, origin_chat_id, origin_label, created_at)"
                    " VALUES (?, 't', ?, ?, 'n', 'x', 'c', 'l', ?)",
                    (a, json.dumps(list(scope)), author, created),
                )
                for member in rng.sample(range(1, 61), rng.randint(0, 3)):
                    at = created + rng.uniform(10, 9000)
                    acks.append(AckRow(a, member, at))
                    await conn.execute(
                        "INSERT INTO alert_acks VALUES (?, ?, 'n', ?)", (a, member, at)
                    )
                for _ in range(rng.randint(0, 2)):
                    kind = rng.choice(["clip", "rebuttal", "share"])
                    status = rng.choice(["open", "done", "done", "dropped"])
                    done_by = rng.randint(1, 60) if status == "done" else None
                    finished = created + rng.uniform(60, 20000) if status != "open" else None
                    tasks.append(TaskRow(a, scope, kind, status, done_by, finished))
                    await conn.execute(
                        "INSERT INTO tasks (kind, alert_id, scope, status, creator_name,"
                        " origin_platform, origin_chat_id, created_at, opened_at, done_by,"
                        " finished_at) VALUES (?, ?, ?, ?, 'n', 'x', 'c', ?, ?, ?, ?)",
                        (
                            kind,
                            a,
                            json.dumps(list(scope)),
                            status,
                            created,
                            created,
                            done_by,
                            finished,
                        ),
                    )
                if rng.random() < 0.3:
                    status = rng.choice(["done", "failed", "queued"])
                    finished = created + rng.uniform(30, 5000)
                    clips.append(ClipRow(a, status, finished))
                    await conn.execute(
                        "INSERT INTO clips (url, range_key, status, requester_name, requested_at,"
                        " origin_platform, origin_chat_id, alert_id, finished_at)"
                        " VALUES ('u', 'k', ?, 'n', 0, 'x', 'c', ?, ?)",
                        (status, a, finished),
                    )
        this = Period(now - 7 * 86400, now)
        last = Period(now - 14 * 86400, now - 7 * 86400)
        async with db.transaction() as tx:
            for tags in (None, ("dept:075",), ("insoumis",), ("dept:069", "insoumise")):
                names = (
                    None if tags is None else tuple(n for t in tags for n in aliases.synonyms(t))
                )
                for period in (this, last):
                    sql = await tx.stats.scope_week(period, names)
                    rule = scope_week(period, tags, aliases, alerts, acks, tasks, clips)
                    assert sql == rule, (tags, period)
            for member in (1, 7, 33):
                barometer = await tx.stats.member(member, now - 30 * 86400)
                since = now - 30 * 86400
                assert barometer.mine.alerts == sum(
                    1 for a in alerts if a.author == member and a.created_at >= since
                )
                assert barometer.mine.acks == sum(
                    1 for k in acks if k.member == member and k.at >= since
                )
                per: dict[int, int] = {}
                for k in acks:
                    if k.at >= since:
                        per[k.member] = per.get(k.member, 0) + 1
                histogram: dict[int, int] = {}
                for n in per.values():
                    histogram[n] = histogram.get(n, 0) + 1
                assert barometer.medians["acks"] == median_of_counts(histogram)


async def test_stats_answers_each_form_and_keeps_scopes_to_their_coordinators(
    tmp_path: Path,
) -> None:
    # Joining is stamped with the real time: the clock starts there.
    async with network(tmp_path, start=time.time()) as net:
        await net.say("telegram", "#paris", "alice", "/link dept:075")
        await net.say("telegram", "#lyon", "alice", "/link dept:075")
        await net.dm("telegram", "bob", "/join")
        await net.dm("telegram", "carol", "/join")
        await net.dm("telegram", "alice", "/role M3 coordinator dept:075")
        await net.say("telegram", "#paris", "bob", "/alert Un https://e.org/1 #dept:075")
        await net.say("telegram", "#paris", "bob", "/alert Deux https://e.org/2 #dept:075")
        net.clock.advance(240)
        await net.say("telegram", "#paris", "carol", "/ack A1")

        mine = await net.dm("telegram", "bob", "/stats")
        assert "30 derniers jours" in mine
        assert "Alertes lancées : ██████████ 2 [██████████ 2]" in mine
        assert "Prises en charge : · 0 [██████████ 1]" in mine

        refused = await net.dm("telegram", "bob", "/stats network")
        assert "Refusé" in refused and "coordinateurs" in refused
        assert "Refusé" in await net.dm("telegram", "carol", "/stats #dept:069")
        scoped = await net.dm("telegram", "carol", "/stats #dept:075")
        assert scoped.startswith("#dept:075 — 7 derniers jours")
        assert "Alertes : ██████████ 2 | · 0" in scoped
        assert "Première prise en charge (médiane) : 4 min | –" in scoped
        assert "Membres actifs : ██████████ 2 | · 0" in scoped
        network_wide = await net.dm("telegram", "alice", "/stats réseau")
        # bob and carol, and alice: the admin of the configuration file is a member too.
        assert "Nouveaux membres : ██████████ 3" in network_wide

        clock = await net.dm("telegram", "bob", "/stats A1")
        assert "Chrono" in clock
        assert "Diffusion de A1 : 1 salon, 0 membre ; copies : 1 remise," in clock
        for typed, expected in (
            ("/stats A999", "n'existe pas"),
            ("/stats T5", "stats compte les alertes"),
            ("/stats C4", "réservée au rôle coordinateur"),
            ("/stats ???", "écrivez stats me"),
            ("/stats " + "x" * 200, "trop long"),
        ):
            assert expected in await net.dm("telegram", "bob", typed), typed
