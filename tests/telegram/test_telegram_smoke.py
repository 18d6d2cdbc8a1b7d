from __future__ import annotations

from tests.fakes.telegram_bot import ALICE, PARIS, RunningBot


async def test_help_in_a_group_is_answered(bot: RunningBot) -> None:
    reply = await bot.converse(PARIS, ALICE, "/help", "/alert")
    assert reply.chat_id == PARIS
