"""Vetting and invitations on Telegram: the deep link with a code, Accept/Refuse buttons."""

from __future__ import annotations

import re
import time

from bot.domain.membership import code_digest
from tests.fakes.telegram_bot import ALICE, BOB, CAROL, LYON, RunningBot, link_rooms

DAVE = 4004
DEEP_LINK = re.compile(r"https://t\.me/riposte_test_bot\?start=([2-9A-Z]{10})")


async def test_invitation_deep_link_admits_once_with_sponsor_and_subscriptions(
    vetted_bot: RunningBot,
) -> None:
    bot = vetted_bot
    bot.api.add_user(DAVE, "Dave", username="dave")
    await bot.converse(ALICE, ALICE, "/start", "je peux maintenant vous écrire")
    sent = await bot.converse(ALICE, ALICE, "/invite 2 dept:069", "2 invitations")
    first, second = DEEP_LINK.findall(sent.text)

    # Bob taps the link: Telegram opens the chat and sends `/start CODE`.
    welcome = await bot.converse(BOB, BOB, f"/start {first}", "Bienvenue Bob")
    assert "invité·e par Alice" in welcome.text
    await bot.wait_sent(ALICE, "Bob (M2) est entré·e avec votre invitation.")
    me = await bot.converse(BOB, BOB, "/me", "Parrain")
    assert "Parrain ou marraine : Alice (M1)" in me.text
    assert "Abonnements : #dept:069" in me.text

    used = await bot.converse(CAROL, CAROL, f"/start {first}", "déjà servi")
    assert "Bienvenue" not in used.text
    kept = await bot.converse(BOB, BOB, f"/start {second}", "reste valable")
    assert "Bob" not in kept.text or "M2" in kept.text

    async with bot.app.db.transaction() as tx:  # type: ignore[union-attr]
        await tx.invitations.create(
            1, [code_digest("EXPRDCD234")], (), expires_at=time.time() - 60,
            created_at=time.time() - 8 * 86400,
        )
    await bot.converse(DAVE, DAVE, "/start EXPRDCD234", "a expiré")
    # The second code still works for someone who is not a member yet.
    await bot.converse(DAVE, DAVE, f"/start {second}", "Bienvenue Dave")

    capped = await bot.converse(BOB, BOB, "/invite 11", "encore inviter")
    assert "encore inviter 10 personnes" in capped.text
    await bot.converse(BOB, BOB, "/invite 10", "10 invitations")
    await bot.converse(BOB, BOB, "/invite", "encore inviter 0 personne")
    async with bot.app.db.transaction() as tx:  # type: ignore[union-attr]
        carol = (await tx.members.find("telegram", str(CAROL)))[0]
        dave = (await tx.members.find("telegram", str(DAVE)))[0]
    assert not carol.joined
    assert dave.joined and dave.sponsor_id == 1


async def test_join_requests_are_accepted_and_refused_with_the_buttons(
    vetted_bot: RunningBot,
) -> None:
    bot = vetted_bot
    bot.api.add_user(DAVE, "Dave", username="dave")
    await link_rooms(bot, LYON)
    # Alice may now be written to
    await bot.converse(ALICE, ALICE, "/start", "je peux maintenant vous écrire")

    pending = await bot.converse(LYON, CAROL, "/join", "Demande enregistrée")
    assert "M" in pending.text
    notice = await bot.wait_sent(ALICE, "Demande d'adhésion")
    assert "Carol" in notice.text and "Lyon" in notice.text
    accept, refuse = notice.buttons
    assert (accept["text"], refuse["text"]) == ("Accepter", "Refuser")

    bot.api.callback_query(ALICE, notice, accept["callback_data"])
    await bot.wait_sent(LYON, "Bienvenue Carol ! Alice a accepté votre demande")
    await bot.api.wait_for(lambda: notice.edits == 1)
    assert notice.text.endswith("acceptée par Alice.") and not notice.buttons
    await bot.converse(LYON, CAROL, "/alerts", "Aucune alerte")  # a member now

    await bot.converse(LYON, DAVE, "/join", "Demande enregistrée")
    second = await bot.wait_sent(ALICE, "Dave")
    # Carol is a member, not a coordinator: typing what the button does is refused.
    await bot.converse(LYON, CAROL, second.buttons[1]["callback_data"], "rôle coordinateur")
    bot.api.callback_query(ALICE, second, second.buttons[1]["callback_data"])
    await bot.wait_sent(LYON, "Votre demande d'adhésion a été refusée.")
    await bot.api.wait_for(lambda: second.edits == 1)
    assert "refusée par Alice" in second.text
    answer = await bot.converse(LYON, DAVE, "/alert coucou #dept:069", "pas membre")
    assert "Alerte" not in answer.text


async def test_when_no_coordinator_can_be_written_to_the_buttons_come_with_the_answer(
    vetted_bot: RunningBot,
) -> None:
    bot = vetted_bot
    await link_rooms(bot, LYON)  # Alice never opened a private chat with the bot
    answer = await bot.converse(LYON, BOB, "/join", "peut l'accepter ici")
    assert [b["text"] for b in answer.buttons] == ["Accepter", "Refuser"]
    assert not bot.api.sent_to(ALICE)
    bot.api.callback_query(BOB, answer, answer.buttons[0]["callback_data"])  # not his to press
    await bot.wait_sent(LYON, "attend encore un coordinateur")
    bot.api.callback_query(ALICE, answer, answer.buttons[0]["callback_data"])
    await bot.wait_sent(LYON, "Bienvenue Bob ! Alice a accepté votre demande")
    await bot.api.wait_for(lambda: answer.edits == 1)
    assert answer.text == "Demande M2 (Bob) : acceptée par Alice." and not answer.buttons
