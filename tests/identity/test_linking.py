"""Linking identities: one person on Telegram and IRC is one member, gets each alert once,
where they chose; codes are single use, short-lived and rate limited."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain import IncomingMessage
from bot.domain.roles import Grant, Role
from tests.identity.conftest import CODE, network

pytestmark = pytest.mark.both_engines


async def _member_on(net, platform: str, user: str):  # type: ignore[no-untyped-def]
    async with net.bot.db.transaction() as tx:
        found = await tx.members.find(platform, user)
    assert len(found) == 1
    return found[0]


async def test_linking_merges_roles_subscriptions_sponsor_and_history_once(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as net:
        await net.say("telegram", "#paris", "alice", "/link dept:075")
        invite = await net.dm("telegram", "alice", "/invite 1 dept:075")
        await net.dm("telegram", "dana", f"/join {net.code_in(invite)}")
        await net.dm("irc", "dana", "!join")
        await net.dm("irc", "dana", "!subscribe retraites")
        await net.say("telegram", "#paris", "alice", "/alert Député X https://e.org/1 #dept:075")
        # Both of Dana's identities ack A1, and her IRC self raises A2.
        await net.dm("telegram", "dana", "/ack A1")
        await net.dm("irc", "dana", "!ack A1")
        await net.dm("irc", "dana", "!alert Sénateur Y https://e.org/2 #retraites")
        assert "C1" in await net.dm("irc", "dana", "!submit Mon billet https://blog.example.org/b")
        await net.dm("irc", "dana", "!subscribe share")

        code = net.code_in(await net.dm("telegram", "dana", "/linkme"))
        done = await net.dm("irc", "dana", f"!linkme {code}")
        assert "M2 sur telegram, irc" in done
        assert "Votre compte irc (dana) vient d'être relié" in net.texts_to("telegram", "dana")[-1]

        dana = await _member_on(net, "irc", "dana")
        assert dana.id == 2 and dana.sponsor_id == 1  # the Telegram member stays, sponsor kept
        assert {i.platform for i in dana.identities} == {"telegram", "irc"}
        assert set(dana.subscriptions) == {"dept:075", "retraites"}
        me = await net.dm("irc", "dana", "!me")
        assert "telegram : dana" in me and "irc : dana" in me
        assert "Alertes privées : sur telegram" in me
        async with net.bot.db.transaction() as tx:
            a1 = await tx.alerts.get(1)
            a2 = await tx.alerts.get(2)
            barometer = await tx.stats.member(dana.id, 0)
            assert await tx.members.get(3) is None  # the IRC row is folded in
        assert a1 is not None and [k.member_id for k in a1.acks] == [1 + 1]  # one ack, not two
        assert a2 is not None and a2.author_member_id == dana.id
        assert (barometer.mine.alerts, barometer.mine.acks) == (1, 1)
        async with net.bot.db.transaction() as tx:
            content = await tx.content.get(1)
            assert await tx.pushes.share_subscribers() == [dana.id]
        assert content is not None and content.author_member_id == dana.id

        # One copy per alert, on the platform joined first, whatever the identities.
        await net.say("telegram", "#paris", "alice", "/alert Trois https://e.org/3 #dept:075")
        assert sum("Trois" in t for t in net.texts_to("telegram", "dana")) == 1
        assert not any("Trois" in t for t in net.texts_to("irc", "dana"))
        assert "irc" in await net.dm("telegram", "dana", "/notify irc")
        await net.say("telegram", "#paris", "alice", "/alert Quatre https://e.org/4 #retraites")
        assert sum("Quatre" in t for t in net.texts_to("irc", "dana")) == 1
        assert not any("Quatre" in t for t in net.texts_to("telegram", "dana"))
        await net.dm("telegram", "dana", "/notify all")
        await net.say("telegram", "#paris", "alice", "/alert Cinq https://e.org/5")
        assert sum("Cinq" in t for t in net.texts_to("irc", "dana")) == 1
        assert sum("Cinq" in t for t in net.texts_to("telegram", "dana")) == 1

        # Detaching: the IRC identity is a stranger again, with nothing.
        out = await net.dm("telegram", "dana", "/unlinkme irc")
        assert "irc détaché" in out and "M2 sur telegram" in out
        stranger = await _member_on(net, "irc", "dana")
        assert stranger.id != 2 and not stranger.joined and not stranger.subscriptions
        assert "seul compte" in await net.dm("telegram", "dana", "/unlinkme telegram")


async def test_wrong_expired_reused_and_guessed_codes_change_nothing(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        await net.dm("telegram", "dana", "/join")
        await net.dm("irc", "dana", "!help")
        code = net.code_in(await net.dm("telegram", "dana", "/linkme"))
        assert "Code inconnu" in await net.dm("irc", "dana", "!linkme ABCDEFGHJK")
        assert "Code inconnu" in await net.dm("irc", "dana", "!linkme 12")
        net.clock.advance(601)
        assert "expiré" in await net.dm("irc", "dana", f"!linkme {code}")
        code = net.code_in(await net.dm("telegram", "dana", "/linkme"))
        # A second code makes the first one void.
        second = net.code_in(await net.dm("telegram", "dana", "/linkme"))
        assert "déjà servi" in await net.dm("irc", "dana", f"!linkme {code}")
        assert "Code inconnu" in await net.dm("irc", "dana", "!linkme ZZZZZZZZZZ")
        assert "Trop de codes" in await net.dm("irc", "dana", f"!linkme {second}")
        async with net.bot.db.transaction() as tx:
            assert len(await tx.members.find("irc", "dana")) == 1
            irc_dana = (await tx.members.find("irc", "dana"))[0]
            assert [i.platform for i in irc_dana.identities] == ["irc"]
            refused = await tx.audit.recent(20, irc_dana.id)
        assert sum(r["outcome"] == "bad_code" for r in refused) == 5
        net.clock.advance(3000)  # an hour after the first wrong one: tries again
        fresh = net.code_in(await net.dm("telegram", "dana", "/linkme"))
        halves = f"{fresh[:5].lower()} {fresh[5:]}"  # as read aloud, typed in two halves
        assert "M1 sur telegram, irc" in await net.dm("irc", "dana", f"!linkme {halves}")
        # A used code is spent; a code typed on the same member says so.
        assert "déjà servi" in await net.dm("irc", "dana", f"!linkme {fresh}")
        again = net.code_in(await net.dm("telegram", "dana", "/linkme"))
        assert "déjà relié" in await net.dm("irc", "dana", f"!linkme {again}")


async def test_linking_an_identity_with_roles_waits_for_an_admin(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        await net.dm("telegram", "alice", "/start")
        await net.dm("telegram", "eve", "/join")
        await net.dm("irc", "marc", "!join")
        await net.dm("telegram", "alice", "/role M3 coordinator dept:069")
        await net.dm("telegram", "alice", "/role M2 admin dept:069")
        # Eve hands Marc (coordinator on IRC) her code: his roles would become hers.
        code = net.code_in(await net.dm("telegram", "eve", "/linkme"))
        out = await net.dm("irc", "marc", f"!linkme {code}")
        assert "un admin du réseau doit confirmer" in out
        request = net.bot.transport.sent[-1]
        assert request.target.address == "alice" and "Demande de liaison" in request.message.text
        assert (await _member_on(net, "irc", "marc")).id == 3  # nothing merged yet
        assert "Refusé" in await net.dm("telegram", "eve", request.message.buttons[0].command)
        confirmed = await net.dm("telegram", "alice", request.message.buttons[0].command)
        assert "Liaison confirmée" in confirmed
        merged = await _member_on(net, "irc", "marc")
        assert merged.id == 2
        stored = {g for g in merged.grants if g.role > Role.MEMBER}
        assert stored == {Grant(Role.ADMIN, "dept:069")}  # the higher role in the scope
        assert "déjà servi" in await net.dm("telegram", "alice", request.message.buttons[0].command)


async def test_an_unidentified_irc_nick_cannot_link(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        await net.dm("telegram", "dana", "/join")
        code = net.code_in(await net.dm("telegram", "dana", "/linkme"))
        irc = net.irc
        before = len(irc.sent)
        assert irc.inbox is not None
        await irc.inbox.handle(
            IncomingMessage(
                "irc", "dana", "dana", "dana", f"!linkme {code}", True, identified=False
            )
        )
        assert await net.bot.engine.wait_idle(10)
        assert "identif" in irc.sent[before].message.text
        assert len((await _member_on(net, "telegram", "dana")).identities) == 1


async def test_in_a_group_the_code_is_only_given_privately(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        await net.say("telegram", "#paris", "alice", "/link")
        [answer] = await net.say("telegram", "#paris", "dana", "/linkme")
        assert "https://t.me/RiposteBot?start=linkme" in answer
        assert not CODE.search(answer)
        # Tapping the link opens the private chat: `/start linkme` gives the code there.
        code_text = await net.dm("telegram", "dana", "/start linkme")
        assert "Votre code" in code_text
        # Once the chat is open, the code goes there and the group only hears of it.
        await net.say("telegram", "#paris", "dana", "/linkme")
        assert "envoyé le code en privé" in net.texts_to("telegram", "#paris")[-1]
        assert "Votre code" in net.texts_to("telegram", "dana")[-1]
        await net.say("telegram", "#paris", "dana", "/export")
        assert "en privé sur Telegram" in net.texts_to("telegram", "#paris")[-1]
        assert any(r.message.document for r in net.telegram.sent if r.target.address == "dana")
