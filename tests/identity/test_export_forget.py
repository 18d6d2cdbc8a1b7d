"""`export` gives a member everything stored about them, field by field; `forgetme` leaves
their name and ids in no table (every text column is searched) and keeps the counts."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from bot.config import WebSettings
from bot.domain import IncomingMessage, Role
from bot.domain.stats import Period
from bot.store import Database
from bot.store.tables import table_names
from tests.identity.conftest import Network, network

pytestmark = pytest.mark.both_engines

NAME = "quinquempoix"
"""Dana's name and id on both platforms: distinctive, so any trace of her is found."""


async def _dana_with_history(net: Network) -> None:
    await net.dm("telegram", "alice", "/start")
    await net.say("telegram", "#paris", "alice", "/link dept:075")
    invite = await net.dm("telegram", "alice", "/invite 1 dept:075")
    await net.dm("telegram", NAME, f"/join {net.code_in(invite)}")
    await net.dm("irc", NAME, "!join")
    code = net.code_in(await net.dm("telegram", NAME, "/linkme"))
    await net.dm("irc", NAME, f"!linkme {code}")
    await net.dm("telegram", NAME, "/quiet 23:00-07:00")
    await net.dm("telegram", NAME, "/tz Europe/Paris")
    await net.dm("irc", NAME, "!notify irc")
    await net.dm("telegram", NAME, "/invite 1")
    await net.say("telegram", "#paris", NAME, "/alert Député X ment https://e.org/1")
    await net.say("telegram", "#paris", "alice", f"/alert Merci @{NAME} pour A1 https://e.org/2")
    await net.say("telegram", "#paris", "alice", "/ack A1")
    await net.say("irc", NAME, NAME, "!ack A2", private=True)
    await net.say("telegram", "#paris", "alice", "/task A1 rebuttal")
    await net.say("telegram", "#paris", NAME, "/claim T1")
    await net.say("telegram", "#paris", NAME, "/done T1 https://blog.example.org/r")
    await net.say("telegram", "#paris", NAME, "/clip A1 https://video.example.org/v")
    await net.dm("irc", NAME, "!audit")  # refused: a row naming her
    await net.say("telegram", "#paris", NAME, "/submit Le vrai chiffre https://blog.example.org/r")
    await net.say("telegram", "#paris", "alice", "/approve C1")
    await net.dm("telegram", NAME, "/subscribe share")
    await net.dm("telegram", NAME, "/short https://blog.example.org/r")
    async with net.bot.db.transaction() as tx:  # a dashboard session of hers
        await tx.web_sessions.new_login(2, time.time(), 600)
        await tx.web_sessions.open(2, "fr", time.time(), 3600)


WEB = WebSettings(enabled=True, public_url="https://r.example.org")


async def test_export_holds_everything_stored_about_the_member(tmp_path: Path) -> None:
    async with network(tmp_path, web=WEB) as net:
        await _dana_with_history(net)
        refused = await net.dm("irc", NAME, "!export")
        assert "irc ne transmet pas de fichier" in refused and "!export telegram" in refused
        await net.dm("irc", NAME, "!export telegram")
        explanation, document = net.telegram.sent[-2:]
        assert explanation.target.address == NAME and "fichier JSON" in explanation.message.text
        assert "forgetme" in explanation.message.text
        assert document.message.document is not None
        mode, data = _read_export(Path(document.message.document))
        assert mode & 0o077 == 0  # the bot's user only

        assert data["format"] == "riposte-export/1"
        member = data["member"]
        assert (member["id"], member["display_name"], member["standing"]) == ("M2", NAME, "member")
        assert member["sponsor"] == "M1" and member["joined_on"] == "telegram"
        assert member["came_in_through"] == ["dept:075"]
        assert data["notifications"] == {
            "notify": "irc",
            "time_zone": "Europe/Paris",
            "quiet_hours": [1380, 420],
            "daily_digest_at": None,
        }
        assert [(i["platform"], i["user_id"]) for i in data["identities"]] == [
            ("telegram", NAME),
            ("irc", NAME),
        ]
        assert data["roles"] == [{"role": "member", "scope": None}] or data["roles"] == []
        assert data["subscriptions"] == ["dept:075"]
        assert len(data["invitations"]) == 1 and data["invitations"][0]["used_by"] is None
        [raised] = data["alerts_raised"]
        assert (raised["id"], raised["text"], raised["author_name"]) == (
            "A1",
            "Député X ment https://e.org/1",
            NAME,
        )
        assert [a["alert"] for a in data["acks"]] == ["A2"]
        [task] = data["tasks"]
        assert task["id"] == "T1" and task["done_by_you"] and not task["created_by_you"]
        assert task["result"] == "https://blog.example.org/r"
        assert {e["event"] for e in data["task_history"]} >= {"claimed", "done"}
        [clip] = data["clips_asked"]
        assert clip["id"] == "K1" and clip["alert"] == "A1"
        commands = [row["command"] for row in data["audit_log"]]
        assert "join" in commands and "linkme" in commands and "audit" in commands
        assert all(row["user_id"] == NAME for row in data["audit_log"])
        assert any(m["platform"] == "telegram" for m in data["private_messages"])
        [content] = data["content_submitted"]
        assert (content["id"], content["status"], content["author_name"]) == (
            "C1",
            "approved",
            NAME,
        )
        assert data["shares"]["share_kits_wanted"] is True
        [link] = data["short_links"]
        assert link["url"] == "https://blog.example.org/r" and link["visits"] == 0
        [session] = data["dashboard_sessions"]
        assert session["lang"] == "fr" and session["ended_at"] is None
        # Nobody else's name is in it.
        assert "alice" not in json.dumps(data)
        assert "Au plus 3" in await _exports(net, 3)


def _read_export(path: Path) -> tuple[int, dict[str, Any]]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return path.stat().st_mode, data


def _exports_of(directory: Path, member: str) -> list[Path]:
    return list(directory.glob(f"*{member}-*"))


async def _exports(net: Network, n: int) -> str:
    for _ in range(n):
        out = await net.dm("telegram", NAME, "/export")
    return out


async def _text_columns(db: Database) -> list[tuple[str, str]]:
    """Every column of every table: a name may hide anywhere."""
    async with db.reading() as tx:
        conn = tx._conn
        if conn.dialect.postgres:
            rows = await conn.fetchall(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema()"
            )
            return [(str(t), str(c)) for t, c in rows]
        found: list[tuple[str, str]] = []
        for table in await table_names(conn):
            for row in await conn.fetchall(f'PRAGMA table_info("{table}")'):
                found.append((table, row[1]))
        return found


async def _traces(db: Database, needle: str) -> list[str]:
    """Every (table.column) whose text holds `needle` as a word, whatever its declared type."""
    pattern = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", re.IGNORECASE)
    found = []
    for table, column in await _text_columns(db):
        async with db.reading() as tx:
            values = await tx._conn.fetchall(f'SELECT "{column}" FROM "{table}"')
        for (value,) in values:
            if isinstance(value, str) and pattern.search(value):
                found.append(f"{table}.{column}: {value[:80]}")
    return found


async def _counts(db: Database) -> tuple[int, ...]:
    async with db.transaction() as tx:
        week = await tx.stats.scope_week(Period(0, 4e9), None, new_members=True)
        row = await tx._conn.fetchone(
            "SELECT (SELECT COUNT(*) FROM alerts), (SELECT COUNT(*) FROM alert_acks),"
            " (SELECT COUNT(*) FROM tasks WHERE status = 'done'), (SELECT COUNT(*) FROM clips),"
            " (SELECT COUNT(*) FROM members WHERE sponsor_id = 1),"
            " (SELECT COUNT(*) FROM content WHERE status = 'approved'),"
            " (SELECT COUNT(*) FROM short_links)"
        )
    assert row is not None
    return (*row, week.alerts, week.tasks_done, week.active_members, week.new_members or 0)


async def test_forgetme_leaves_no_name_nor_id_anywhere_and_keeps_the_counts(
    tmp_path: Path,
) -> None:
    async with network(tmp_path, web=WEB) as net:
        await _dana_with_history(net)
        await net.dm("irc", NAME, "!export telegram")
        # Something held for her digest, and something still queued to her.
        net.clock.now += 6 * 3600  # 23:06 in Paris: her quiet hours
        await net.say("telegram", "#paris", "alice", "/alert Nuit https://e.org/3")
        db = net.bot.db
        assert await _traces(db, NAME)
        before = await _counts(db)

        ask = await net.dm("irc", NAME, "!forgetme")
        assert "définitif" in ask
        wrong = await net.dm("irc", NAME, "!forgetme ABCDEFGHJK")
        assert "rien n'a été effacé" in wrong
        code = net.code_in(ask)
        bye = await net.dm("irc", NAME, f"!forgetme {code}")
        assert "le réseau vous a oublié" in bye
        assert await net.bot.engine.wait_idle(10)

        assert await _traces(db, NAME) == []
        assert await _counts(db) == before
        async with db.transaction() as tx:
            a1 = await tx.alerts.get(1)
            a2 = await tx.alerts.get(2)
            gone = await tx.members.get(2)
            assert not await tx.members.find("telegram", NAME)
        assert a1 is not None and a1.author_name == "ancien membre"
        async with db.transaction() as tx:
            content = await tx.content.get(1)
        assert content is not None and content.author_name == "ancien membre"
        async with db.reading() as tx:
            assert await tx.web_sessions.logins_since(2, 0) == 0  # sessions and logins gone
        assert a2 is not None and "Merci ancien membre pour A1" in a2.text
        assert gone is not None and not gone.identities and not gone.subscriptions
        assert not _exports_of(tmp_path / "exports", "M2")

        # History reads "ancien membre"; the forgotten person is a stranger if they return.
        clock = await net.dm("telegram", "alice", "/alerts A1")
        assert "alerte lancée par ancien membre" in clock
        await net.dm("telegram", NAME, "/me")
        async with db.transaction() as tx:
            [again] = await tx.members.find("telegram", NAME)
        assert again.id != 2 and not again.joined


async def test_forget_by_an_admin_is_confirmed_and_audited_and_the_last_admin_stays(
    tmp_path: Path,
) -> None:
    async with network(tmp_path, admins=frozenset()) as net:
        await net.dm("telegram", "zed", "/join")
        await net.dm("telegram", "bob", "/join")
        async with net.bot.db.transaction() as tx:
            await tx.members.grant(1, Role.ADMIN, None)
            await tx.members.grant(2, Role.ADMIN, "dept:069")
        refused = await net.dm("telegram", "zed", "/forgetme")
        assert "dernier admin" in refused
        assert "Refusé" in await net.dm("telegram", "bob", "/forget M1")  # a scoped admin
        ask = await net.dm("telegram", "zed", "/forget M2")
        assert "bob (M2)" in ask
        code = net.code_in(ask)
        assert "pas le code" in await net.dm("telegram", "zed", "/forget M2 ABCDEFGHJK")
        done = await net.dm("telegram", "zed", f"/forget M2 {code}")
        assert "M2 a été oublié" in done
        assert "déjà oublié" in await net.dm("telegram", "zed", "/forget M2")
        async with net.bot.db.transaction() as tx:
            rows = await tx.audit.recent(5, 1)
        assert any(r["command"] == "forget" and r["detail"] == "M2" for r in rows)
        assert await _traces(net.bot.db, "bob") == []


async def test_config_admins_are_not_forgotten(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        out = await net.dm("telegram", "alice", "/forgetme")
        assert "fichier de configuration" in out
        # An unidentified IRC nick cannot ask for anyone's data.
        irc = net.irc
        assert irc.inbox is not None
        before = len(irc.sent)
        await irc.inbox.handle(
            IncomingMessage("irc", "x", "x", "x", "!export", True, identified=False)
        )
        assert await net.bot.engine.wait_idle(10)
        assert "identif" in irc.sent[before].message.text
