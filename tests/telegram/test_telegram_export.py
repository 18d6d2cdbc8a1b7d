"""`export` on Telegram: typed in a group, the file arrives privately as a document, with
a caption that says what it is, after a message that explains it."""

from __future__ import annotations

import json

from tests.fakes.telegram_bot import ALICE, BOB, PARIS, RunningBot, link_rooms


async def test_export_arrives_privately_as_a_document_explained_in_the_readers_language(
    bot: RunningBot,
) -> None:
    await link_rooms(bot, PARIS)
    await bot.converse(PARIS, BOB, "/join", "Bienvenue Bob")
    # Bob never opened the private chat: the answer is the link that opens it.
    closed = await bot.converse(PARIS, BOB, "/export", "t.me/riposte_test_bot?start=export")
    assert "Démarrer" in closed.text
    # He taps it: Telegram sends `/start export`, and the file comes at once.
    explanation = await bot.converse(BOB, BOB, "/start export", "fichier JSON")
    assert "les alertes 365 jours, le journal 365 jours, les envois 30 jours" in explanation.text
    await bot.api.wait_for(lambda: bot.api.documents)
    [((chat, _), (name, content))] = bot.api.documents.items()
    assert chat == BOB and name.startswith("riposte-export-M2-") and name.endswith(".json")
    assert json.loads(content)["member"]["id"] == "M2"
    [caption] = [m.text for m in bot.api.sent_to(BOB) if m.text.startswith("Vos données")]
    assert caption == "Vos données (M2) : fichier JSON, à garder pour vous."

    await bot.converse(BOB, BOB, "/lang en", "English")
    await bot.converse(PARIS, BOB, "/export", "I sent you your data privately on Telegram.")
    await bot.wait_sent(BOB, "Your data (M2): a JSON file, keep it to yourself.")
    assert ALICE not in {chat for chat, _ in bot.api.documents}
