"""A message too long for one platform message goes out part by part: each part paced,
recorded, and never sent twice, even when the platform refuses one in the middle."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

from tests.fakes.bot_process import start_bot
from tests.fakes.config_files import write_config
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, PARIS, TOKEN_ENV, telegram_section

ALERTES = "100000000000000002"
ADMIN = "300000000000000001"
DISCORD_TOKEN_ENV = "RIPOSTE_TEST_DISCORD_TOKEN"
MARKERS = 19


def long_alert() -> str:
    """About 7,700 characters and 13,400 UTF-16 units: 4 Telegram and 4 Discord messages.

    Each emoji counts two UTF-16 units: measured in characters it would look like 2.
    """
    words: list[str] = []
    for marker in range(MARKERS):
        words.append(f"§{marker:02d}")
        words += ["🔥🔥🔥"] * 100
    return " ".join(words)


def _parts(texts: list[str]) -> list[str]:
    return [text for text in texts if "🔥" in text]


async def test_a_4_part_alert_with_429s_on_part_3_arrives_once_per_part_on_telegram_and_discord(
    tmp_path: Path, enforcing_api: FakeTelegramAPI, fake_discord: FakeDiscord
) -> None:
    api = enforcing_api
    config = write_config(
        tmp_path,
        network={
            "name": "Test",
            "lang": "fr",
            "admins": ["console:alice", f"telegram:{ALICE}", f"discord:{ADMIN}"],
        },
        # Telegram's real per-chat pace: one message a second.
        telegram=telegram_section(api, per_chat_rate=1, set_commands=False),
        alerts={"max_length": 8000},
        discord={
            "enabled": True,
            "token": f"env:{DISCORD_TOKEN_ENV}",
            "api_base": fake_discord.api_base,
            "guilds": [int(fake_discord.guild_id)],
        },
    )
    bot = await start_bot(config, {TOKEN_ENV: api.token, DISCORD_TOKEN_ENV: fake_discord.token})
    await fake_discord.wait_connected()
    api.group_message(PARIS, ALICE, "/link")
    await api.wait_for(lambda: api.sent_to(PARIS))
    await fake_discord.inject_slash(ALERTES, ADMIN, "admin", "link", None)
    await fake_discord.wait_until(lambda: bool(fake_discord.sent_to(ALERTES)))

    def telegram_part_3(params: dict[str, Any]) -> bool:
        return (
            int(params.get("chat_id", 0)) == PARIS
            and "🔥" in str(params.get("text"))
            and len(_parts([m.text for m in api.sent_to(PARIS)])) == 2
        )

    def discord_part_3(body: Any) -> bool:
        content = body.get("content") or "" if isinstance(body, dict) else ""
        sent = _parts([m.content for m in fake_discord.sent_to(ALERTES)])
        return "🔥" in content and len(sent) == 2

    api.fail_next("sendMessage", "429", count=3, retry_after=1, when=telegram_part_3)
    # A 429 without Discord's JSON body is Cloudflare's: discord.py hands it straight back.
    fake_discord.fail_next(
        "POST",
        rf"/channels/{ALERTES}/messages$",
        429,
        "",
        headers={"Retry-After": "1"},
        times=2,
        when=discord_part_3,
    )
    await bot.say(f"#paris alice: /alert {long_alert()}")
    await bot.expect(r"^-> #paris: Alerte A1 relayée à 2 salons")
    await api.wait_for(lambda: len(_parts([m.text for m in api.sent_to(PARIS)])) >= 4, 40)
    await fake_discord.wait_until(
        lambda: len(_parts([m.content for m in fake_discord.sent_to(ALERTES)])) >= 4, 40
    )
    assert await bot.finish() == 0, bot.stderr

    telegram = _parts([m.text for m in api.sent_to(PARIS)])
    discord = _parts([m.content for m in fake_discord.sent_to(ALERTES)])
    for parts in (telegram, discord):
        assert len(parts) == 4
        assert len(set(parts)) == 4  # no part twice
        markers = collections.Counter(w for part in parts for w in part.split() if "§" in w)
        assert markers == {f"§{marker:02d}": 1 for marker in range(MARKERS)}
    refused = [
        call for call in api.calls_to("sendMessage")
        if call.status == 429 and int(call.params["chat_id"]) == PARIS
    ]  # fmt: skip
    assert len(refused) == 3  # the forced ones only: each part is paced like a message
    assert api.rate_limit_violations == 0
    discord_refused = [
        c for c in fake_discord.calls if c.path.endswith(f"{ALERTES}/messages") and c.status == 429
    ]
    assert len(discord_refused) == 2
