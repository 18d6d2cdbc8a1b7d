"""Tasks on Telegram, with python-telegram-bot against the fake Bot API: the Claim
buttons under a relayed alert, two people pressing the same one at once, and the
relayed copy edited to show who has what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, BOB, CAROL, LYON, PARIS, RunningBot, link_rooms, run_bot


@pytest.fixture
async def bot(tmp_path: Path, api: FakeTelegramAPI) -> AsyncIterator[RunningBot]:
    async with run_bot(
        tmp_path,
        api,
        sections={
            "alerts": {"auto_tasks": ["clip", "rebuttal"]},
            # The group's own membership vets: `join` there admits at once.
            "members": {"trust_linked_rooms": True},
        },
    ) as running:
        yield running


async def test_claim_buttons_race_edits_and_done(bot: RunningBot) -> None:
    await link_rooms(bot, PARIS, LYON)
    await bot.converse(LYON, BOB, "/join", "Bienvenue")
    await bot.converse(LYON, CAROL, "/join", "Bienvenue")
    await bot.converse(PARIS, ALICE, "/alert Le député X ment sur France 2", "Alerte A1 relayée")
    relayed = await bot.wait_sent(LYON, "Le député X ment")
    assert [b["callback_data"] for b in relayed.buttons] == ["/ack A1", "/claim T1", "/claim T2"]
    assert [b["text"] for b in relayed.buttons][1:] == [
        "Je prends T1 (clip)",
        "Je prends T2 (riposte)",
    ]

    # Bob and Carol press "Je prends T2 (riposte)" in the same second.
    before = len(bot.api.sent_to(LYON))
    bot.api.callback_query(BOB, relayed, "/claim T2")
    bot.api.callback_query(CAROL, relayed, "/claim T2")
    taken = await bot.wait_sent(LYON, "est déjà prise par", after=before)
    won = await bot.wait_sent(LYON, "vous prenez T2", after=before)
    winner = "Bob" if taken.text.endswith("prise par Bob.") else "Carol"
    assert taken.text in (
        "T2 (riposte, A1) est déjà prise par Bob.",
        "T2 (riposte, A1) est déjà prise par Carol.",
    )
    assert won.text.startswith("C'est noté : vous prenez T2 (riposte, A1).")
    await bot.wait_sent(PARIS, f"{winner} prend T2 (riposte, A1).")
    assert len(bot.api.calls_to("answerCallbackQuery")) == 2

    # The relayed copy is edited in place: T2's state, and no button to take it any more.
    await bot.api.wait_for(lambda: f"prise par {winner}" in relayed.text)
    assert [b["callback_data"] for b in relayed.buttons] == ["/ack A1", "/claim T1"]

    winner_id = BOB if winner == "Bob" else CAROL
    await bot.converse(LYON, winner_id, "/done T2 https://blog.example.org/vrai-chiffre", "Merci")
    await bot.api.wait_for(lambda: "faite par" in relayed.text)
    assert f"T2 · riposte — faite par {winner} — https://blog.example.org/vrai-chiffre" in (
        relayed.text
    )
    await bot.wait_sent(PARIS, f"✅ {winner} a fait T2 (riposte, A1)")
