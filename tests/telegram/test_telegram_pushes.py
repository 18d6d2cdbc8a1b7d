"""On Telegram, with python-telegram-bot against the fake Bot API: content submitted in a
group, approved with the queue's button, pushed five seconds later to the group and to
Mastodon, Bluesky and X (their real clients against the fakes), reported where it was
scheduled."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.content.social import ENV, social_fakes
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, BOB, CAROL, LYON, PARIS, run_bot


async def test_submit_approve_by_button_and_push_to_the_group_and_three_networks(
    tmp_path: Path, api: FakeTelegramAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    async with social_fakes() as fakes:
        sections = {"members": {"open_join": True}, "push": {"timeout": 5}, **fakes.sections()}
        async with run_bot(tmp_path, api, sections=sections) as bot:
            await bot.converse(PARIS, ALICE, "/link dept:075", "Salon relié")
            await bot.converse(LYON, ALICE, "/link dept:069", "Salon relié")
            await bot.converse(LYON, BOB, "/join", "Bienvenue")
            await bot.converse(PARIS, CAROL, "/join", "Bienvenue")
            await bot.converse(PARIS, ALICE, "/role @carol coordinator", "coordinateur")
            await bot.converse(
                LYON,
                BOB,
                "/submit Le vrai chiffre des retraites https://blog.example.org/vrai",
                "Contenu C1 enregistré",
            )
            await bot.converse(CAROL, CAROL, "/queue", "À relire : 1.")
            item = await bot.wait_sent(CAROL, "C1 · Bob · #dept:069 · en attente")
            assert [b["text"] for b in item.buttons] == ["Approuver", "Refuser", "Modifier"]
            bot.api.callback_query(CAROL, item, "/approve C1")
            await bot.wait_sent(CAROL, "C1 approuvé.")
            await bot.wait_sent(LYON, "Votre contenu C1 est approuvé par Carol.")

            await bot.converse(
                PARIS, CAROL, "/push C1 in 5s to rooms mastodon bluesky x", "Publication P1"
            )
            posted = await bot.wait_sent(LYON, "Le vrai chiffre des retraites", timeout=30)
            assert [b["callback_data"] for b in posted.buttons] == ["/share P1"]
            assert [b["text"] for b in posted.buttons] == ["Je partage"]
            report = await bot.wait_sent(PARIS, "📣 P1 (C1)", timeout=30)
            assert "Salons et canaux : 1 envoyé" in report.text
            assert "Mastodon : publié" in report.text
            assert "Bluesky : publié — https://bsky.app/profile/riposte.test/post/" in report.text
            assert "X : publié — https://x.com/i/web/status/" in report.text
            assert len(fakes.mastodon.statuses) == len(fakes.x.tweets) == 1
            assert len(fakes.bluesky.posts) == 1
            assert fakes.x.bad_signatures == 0
