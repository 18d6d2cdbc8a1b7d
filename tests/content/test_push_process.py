"""`riposte run` as a process, on the console, posting to the social fakes: a push
promised before a `kill -9` goes out once after the restart; one whose time passed
while the bot was down beyond the grace is held and asked about; a post cut by a
`kill -9` (or a stop) in the middle of its call is reported unknown, never posted
twice, and a hanging call does not hold the stop past its bound."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.content.social import ENV, social_fakes
from tests.fakes.bot_process import BotProcess, start_bot
from tests.fakes.config_files import write_config
from tests.fakes.console_session import run_console

GRACE = 12


async def test_pushes_survive_kill_9_are_held_after_the_grace_and_never_posted_twice(
    tmp_path: Path,
) -> None:
    async with social_fakes() as fakes:
        config = write_config(
            tmp_path,
            # The grace covers a restart of the bot on a loaded machine (P1 may be
            # a little late, never held); P2 is waited out well past it.
            push={"grace": f"{GRACE}s", "four_eyes": False, "timeout": 5},
            **fakes.sections(),
        )

        async def start() -> BotProcess:
            return await start_bot(config, ENV)

        bot = await start()
        try:
            await bot.say("#paris alice: /link dept:075")
            await bot.say("/submit Le vrai chiffre des retraites https://blog.example.org/vrai")
            await bot.expect(r"Contenu C1 enregistré et approuvé")
            await bot.say("/push C1 in 3s to rooms mastodon bluesky x")
            await bot.expect(r"Publication P1 de C1 prévue")
            await bot.say("/push C1 in 15s to mastodon")
            await bot.expect(r"Publication P2 de C1 prévue")
            p2_held_from = time.monotonic() + 15 + GRACE + 1
        finally:
            await bot.kill()
        assert not fakes.mastodon.statuses

        # Restarted before P1's time: it goes out once, on time.
        bot = await start()
        try:
            await bot.expect(r"^-> #paris: 📣 P1 \(C1\), envoi de", timeout=30)
            report = "\n".join(
                bot.lines[bot.lines.index(next(line for line in bot.lines if "📣 P1" in line)) :]
            )
            assert "Mastodon : publié" in report and "Bluesky : publié" in report
            assert "X : publié" in report
            assert len(fakes.mastodon.statuses) == 1 and len(fakes.x.tweets) == 1
            assert len(fakes.bluesky.posts) == 1
        finally:
            await bot.kill()

        # Down past P2's time and its grace: held, and asked about.
        await asyncio.sleep(max(0.0, p2_held_from - time.monotonic()))
        bot = await start()
        try:
            held = await bot.expect(r"⏸ P2 \(C1\) devait partir", timeout=30)
            assert "[Publier maintenant: /push P2 now] [Annuler: /unpush P2]" in "\n".join(
                bot.lines[bot.lines.index(held) :]
            )
            assert len(fakes.mastodon.statuses) == 1
            await bot.say("#paris alice: /push P2 now")
            await bot.expect(r"📣 P2 \(C1\)", timeout=30)
            assert len(fakes.mastodon.statuses) == 2

            # SIGTERM while a post hangs: the stop stays within its bound.
            fakes.x.fail_next("/2/tweets", 0, delay=8)
            await bot.say("/push C1 now to x")
            await fakes.x.wait_for(lambda: len(fakes.x.calls("/2/tweets")) == 2)
            started = time.monotonic()
            assert await bot.finish() == 0
            assert time.monotonic() - started < 10
        finally:
            await bot.kill()
        bot = await start()
        try:
            line = await bot.expect(r"📣 P3 \(C1\)", timeout=30)
            assert "X : inconnu" in "\n".join(bot.lines[bot.lines.index(line) :])

            # A post cut in the middle of its call by kill -9.
            fakes.mastodon.fail_next("/api/v1/statuses", 0, delay=4)
            calls = len(fakes.mastodon.calls("/api/v1/statuses"))
            await bot.say("/push C1 now to mastodon")
            await fakes.mastodon.wait_for(
                lambda: len(fakes.mastodon.calls("/api/v1/statuses")) > calls
            )
        finally:
            await bot.kill()
        bot = await start()
        try:
            line = await bot.expect(r"📣 P4 \(C1\)", timeout=30)
            report = "\n".join(bot.lines[bot.lines.index(line) :])
            assert (
                "Mastodon : inconnu — the bot stopped while this post was on its way ; "
                "vérifiez le compte" in report
            )
            await asyncio.sleep(1)
            assert len(fakes.mastodon.calls("/api/v1/statuses")) == calls + 1
        finally:
            assert await bot.finish() == 0


async def test_the_push_report_arrives_when_the_console_input_ends_during_the_post(
    tmp_path: Path,
) -> None:
    async with social_fakes() as fakes:
        config = write_config(
            tmp_path, push={"four_eyes": False, "timeout": 10}, **fakes.sections()
        )
        # The post is still on its way when stdin ends.
        fakes.mastodon.fail_next("/statuses", 0, delay=4.0)
        session = await asyncio.to_thread(
            run_console,
            config,
            [
                "#paris alice: /link dept:075",
                "/submit Le vrai chiffre https://blog.example.org/vrai",
                "/push C1 now to mastodon",
            ],
            extra_env=ENV,
        )
        assert session.returncode == 0, session.stderr
        report = "\n".join(session.lines)
        assert "📣 P1 (C1)" in report and "Mastodon : publié" in report
        assert len(fakes.mastodon.statuses) == 1
