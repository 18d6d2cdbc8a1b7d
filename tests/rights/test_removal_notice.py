"""`remove @x` tells the person privately when it can, and tells the admin when it cannot:
a platform where bots may not write first, a private chat marked unreachable, no identity
on a platform this bot runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.transports.base import PlatformLimits
from tests.fakes.recording_transport import RecordingTransport
from tests.harness import OPEN_JOIN, running_bot

pytestmark = pytest.mark.both_engines

NO_FIRST_DM = PlatformLimits(max_text_length=4000, dm_without_prompt=False)


async def test_the_admin_learns_whether_the_removed_person_was_told(tmp_path: Path) -> None:
    phone = RecordingTransport(platform="tg", limits=NO_FIRST_DM)
    async with running_bot(tmp_path, others=(phone,), members=OPEN_JOIN) as bot:
        await bot.say("#lyon", "alice", "/link dept:069")
        await bot.say("#lyon", "carol", "/join")
        await bot.say("#lyon", "dave", "/join")
        await bot.say("#tg-lyon", "bob", "/join", on="tg")

        await bot.say("#lyon", "alice", "/remove @carol tracts hors sujet")
        answer = bot.transport.texts_to("#lyon")[-1]
        assert answer.startswith("carol (M2) n'est plus membre ;")
        assert answer.endswith("Prévenu·e en privé (fake).")
        assert bot.transport.texts_to("carol")[-1] == (
            "Votre adhésion au réseau a été retirée par alice : tracts hors sujet"
        )
        async with bot.db.transaction() as tx:
            rows = await tx._conn.fetchall(
                "SELECT id, address FROM outbox WHERE address IN ('carol', '#lyon')"
                " ORDER BY id DESC LIMIT 2"
            )
        # Written in the command's transaction, the notice precedes the answer.
        assert [address for _, address in rows] == ["#lyon", "carol"]

        await bot.say("#lyon", "alice", "/remove M4")
        assert "Je n'ai pas pu le·la prévenir : tg ne laisse pas un bot écrire le premier" in (
            bot.transport.texts_to("#lyon")[-1]
        )
        assert phone.texts_to("bob") == []

        async with bot.db.transaction() as tx:
            await tx.members.mark_unreachable("fake", "dave", "blocked")
        await bot.say("#lyon", "alice", "/remove @dave")
        assert "mes messages privés sur fake échouent" in bot.transport.texts_to("#lyon")[-1]
        assert not any("retirée" in text for text in bot.transport.texts_to("dave"))
        async with bot.db.transaction() as tx:
            audit = await tx._conn.fetchall(
                "SELECT detail FROM audit_log WHERE command = 'remove' ORDER BY id"
            )
        assert [d for (d,) in audit][-2:] == ["M4 untold:not_opened", "M3 untold:unreachable"]


async def test_a_removed_person_known_only_on_a_platform_not_running_is_untold(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, members=OPEN_JOIN) as bot:
        await bot.say("#lyon", "alice", "/link dept:069")
        await bot.say("#lyon", "erin", "/join")
        async with bot.db.transaction() as tx:
            await tx._conn.execute(
                "UPDATE identities SET platform = 'gone' WHERE user_id = 'erin'"
            )
        await bot.say("#lyon", "alice", "/remove M2")
        assert "je ne connais aucune conversation privée" in bot.transport.texts_to("#lyon")[-1]
