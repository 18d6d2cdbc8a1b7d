from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.commands import Context, Router, Tags
from tests.harness import OPEN_JOIN, running_bot

pytestmark = pytest.mark.both_engines


async def test_a_refused_command_is_answered_and_audited(tmp_path: Path) -> None:
    async with running_bot(tmp_path, members=OPEN_JOIN) as bot:
        await bot.say("#lyon", "bob", "/join")
        await bot.say("#lyon", "bob", "/link dept:069")
        assert "réservée au rôle admin" in bot.transport.texts_to("#lyon")[-1]
        async with bot.db.transaction() as tx:
            rows = await tx.audit.recent()
            room = await tx.rooms.get("fake", "#lyon")
    assert room is None
    assert rows[0]["command"] == "link" and rows[0]["outcome"] == "refused"


_broken = Router("broken")


@_broken.command("boom", args=(Tags("tags"),), summary=("x", "x"), usage="boom")
async def _boom(ctx: Context, tags: tuple[str, ...]) -> None:
    await ctx.tx.members.subscribe(ctx.member.id, tags)
    raise ZeroDivisionError("boom")


async def test_a_crash_in_a_handler_rolls_back_and_apologises_with_an_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, extra=(_broken,), members=OPEN_JOIN) as bot:
        await bot.say("#lyon", "bob", "/join")
        with caplog.at_level(logging.ERROR):
            await bot.say("#lyon", "bob", "/boom dept:069")
        reply = bot.transport.texts_to("#lyon")[-1]
        async with bot.db.transaction() as tx:
            bob = (await tx.members.find("fake", "bob"))[0]
            audit = await tx.audit.recent(1)
    assert "erreur interne" in reply and "Traceback" not in reply
    error_id = reply.split("(erreur ")[1].split(")")[0]
    # The command's work was rolled back; the log still says what happened.
    assert (audit[0]["command"], audit[0]["outcome"], audit[0]["detail"]) == (
        "boom", "error", error_id
    )
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert bob.subscriptions == ()
    assert bob.joined


async def test_commands_for_another_bot_are_ignored(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.say("#lyon", "alice", "/help@OtherBot")
        await bot.say("#lyon", "alice", "/frobnicate")
        assert bot.transport.sent == []
        await bot.say("#lyon", "alice", "/help@RiposteBot")
        assert len(bot.transport.sent) == 1


async def test_unknown_commands_get_a_suggestion(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.say("#lyon", "alice", "/alret hello")
        await bot.say("", "alice", "/frobnicate", private=True)
        assert "Vouliez-vous dire /alert" in bot.transport.texts_to("#lyon")[0]
        assert "Commande inconnue" in bot.transport.texts_to("alice")[0]


async def test_usage_errors_speak_the_members_language(tmp_path: Path) -> None:
    async with running_bot(tmp_path, members=OPEN_JOIN) as bot:
        await bot.say("#lyon", "bob", "/join")
        await bot.say("#lyon", "bob", "/lang en")
        await bot.say("#lyon", "bob", "/ack nope")
        await bot.say("#lyon", "bob", "/lang fr")
        await bot.say("#lyon", "bob", "/ack")
        texts = bot.transport.texts_to("#lyon")
    assert texts[-3] == '"nope" is not an alert id: write it like A17. Usage: /ack A17'
    assert texts[-1] == "Il manque un argument. Usage : /ack A17"


async def test_oversized_and_hostile_input_is_refused_cleanly(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.say("#lyon", "alice", "/link " + "x" * 20_000)
        await bot.say("#lyon", "alice", "/link \u202edept:075 <script>")
        await bot.say("#lyon", "alice", "/alert " + "é" * 9000)
        texts = bot.transport.texts_to("#lyon")
    assert "trop long" in texts[0]
    assert "n'est pas un tag valide" in texts[1]
    assert "Alerte trop longue" in texts[2]


def test_handlers_do_not_import_platform_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys, handlers, bot.app; "
        "bad = [m for m in ('telegram', 'discord') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_names_with_accents_are_found_whatever_their_case_and_composition(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, members=OPEN_JOIN) as bot:
        await bot.say("#lyon", "alice", "/link dept:069")
        await bot.say("#lyon", "Élodie", "/join")
        await bot.say("#lyon", "Franc\u0327ois", "/join")  # a combining cedilla
        await bot.say("#lyon", "alice", "/role @élodie coordinator")
        assert bot.transport.texts_to("#lyon")[-1] == "Élodie (M2) est maintenant coordinateur."
        await bot.say("#lyon", "alice", "/role @FRANÇOIS coordinator")
        assert bot.transport.texts_to("#lyon")[-1] == "François (M3) est maintenant coordinateur."
        await bot.say("#lyon", "alice", "/role @Franc\u0327ois member")
        assert bot.transport.texts_to("#lyon")[-1] == "François (M3) est maintenant membre."


async def test_a_token_pasted_into_a_command_is_not_quoted_back(tmp_path: Path) -> None:
    token = "123456789:" + "AAHfake" + "FAKEfake" * 3 + "12345"  # a Bot API token's shape
    async with running_bot(tmp_path, members=OPEN_JOIN) as bot:
        await bot.say("#lyon", "bob", "/join")
        await bot.say("#lyon", "bob", f"/tz {token}")
        answer = bot.transport.texts_to("#lyon")[-1]
        assert "n'est pas un fuseau horaire connu" in answer and "***" in answer
        await bot.say("#lyon", "bob", f"/ack A1 {token}")
        assert bot.transport.texts_to("#lyon")[-1].startswith("Argument en trop : « *** »")
        assert not [t for t in bot.transport.texts_to("#lyon") if token in t]
