"""`riposte run` as a real process, with Telegram (on the fake Bot API) and the console."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.bot_process import start_bot
from tests.fakes.config_files import write_config
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, BOB, LYON, PARIS, TOKEN_ENV, telegram_section


async def test_alert_from_telegram_reaches_telegram_group_console_room_and_dm(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = write_config(
        tmp_path,
        network={"name": "Test", "lang": "fr", "admins": ["console:alice", f"telegram:{ALICE}"]},
        telegram=telegram_section(api),
        # Joining in a linked group admits at once: the group's own membership vets.
        members={"trust_linked_rooms": True},
    )
    bot = await start_bot(config, {TOKEN_ENV: api.token})
    await api.wait_for(lambda: api.calls_to("deleteWebhook"))
    await bot.say("#national alice: /link")
    await bot.expect(r"^-> #national: Salon relié")

    for chat in (PARIS, LYON):
        api.group_message(chat, ALICE, "/link")
        await api.wait_for(lambda chat=chat: api.sent_to(chat))
    api.group_message(LYON, BOB, "/join")
    await api.wait_for(lambda: any("?start=join" in m.text for m in api.sent_to(LYON)))
    api.private_message(BOB, "/start join")
    api.private_message(BOB, "/subscribe")
    await api.wait_for(lambda: any("Abonnements" in m.text for m in api.sent_to(BOB)))

    api.group_message(PARIS, ALICE, "/alert Le député X sur France 2 https://example.org/live")
    console = await bot.expect(r"^-> #national: 🚨 Alerte A1")
    await api.wait_for(lambda: any("Le député X" in m.text for m in api.sent_to(LYON)))
    await api.wait_for(lambda: any("Le député X" in m.text for m in api.sent_to(BOB)))
    assert "Alice (Paris)" in console and "[Je m'en occupe: /ack A1]" in console

    code = await bot.finish()
    stderr = bot.stderr
    assert code == 0, stderr
    assert not any("Le député X" in m.text for m in api.sent_to(PARIS))
    assert api.token not in stderr


async def test_bad_token_at_startup_is_a_clear_error_naming_the_key(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = write_config(
        tmp_path,
        network={"name": "Test", "lang": "fr", "admins": [f"telegram:{ALICE}"]},
        console={"enabled": False},
        telegram=telegram_section(api),
    )
    bot = await start_bot(config, {TOKEN_ENV: "999:not-the-right-token"})
    code = await bot.exited()
    stderr = bot.stderr
    assert code == 2
    assert "telegram.token" in stderr and "refused" in stderr
    assert "Traceback" not in stderr
    assert "not-the-right-token" not in stderr
    assert [call.status for call in api.calls_to("getMe")] == [401]
