"""Updates received again after a restart: a command runs once, not twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, PARIS, link_rooms, run_bot


def confirms(params: dict[str, Any]) -> bool:
    """A getUpdates that tells Telegram the earlier updates were received."""
    return int(params.get("offset") or 0) > 0


async def test_a_command_received_again_after_a_cut_stop_runs_once(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    async with run_bot(tmp_path, api) as bot:
        await link_rooms(bot, PARIS)
        # From here on Telegram never hears that updates arrived, as when a stop cuts the
        # last getUpdates of a slow Bot API: they stay on the server.
        api.fail_next("getUpdates", "502", count=10_000, when=confirms)
        await bot.converse(PARIS, ALICE, "/alert Le député X ment sur France 2", "Alerte A1")
    api.recover()
    assert any("/alert" in str(update) for update in api.pending_updates)
    async with run_bot(tmp_path, api) as bot:
        # Handled in order: by its answer, the update received again has been seen to.
        await bot.converse(PARIS, ALICE, "/alerts", "A1")
    said = [message.text for message in api.sent_to(PARIS)]
    assert sum(text.startswith("Alerte A1 relayée") for text in said) == 1
    assert not any("A2" in text or "Déjà signalé" in text for text in said)
    assert not api.pending_updates  # confirmed this time
