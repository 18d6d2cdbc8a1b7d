"""Joining, vetting, invitations, limits and the audit log, through the real dispatcher."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.config import AlertsSettings, MembersSettings
from bot.domain.membership import code_digest
from tests.harness import Bot, running_bot

pytestmark = pytest.mark.both_engines

CODE = re.compile(r"join ([2-9A-Z]{10})")


def _codes(texts: list[str]) -> list[str]:
    return [code for text in texts for code in CODE.findall(text)]


async def _members(bot: Bot) -> dict[str, int]:
    async with bot.db.transaction() as tx:
        found = {}
        for name in ("alice", "bob", "carol", "dave", "eve", "paul"):
            matches = await tx.members.find("fake", name)
            if matches:
                found[name] = matches[0].id
        return found


async def test_a_stranger_waits_and_a_coordinator_of_the_rooms_scope_decides(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.say("#lyon", "alice", "/link dept:069")
        await bot.say("#paris", "alice", "/link dept:075")
        await bot.say("#lyon", "alice", "/invite", private=False)
        [code] = _codes(bot.transport.texts_to("alice"))
        await bot.say("", "paul", f"/join {code}", private=True)
        await bot.say("#lyon", "alice", "/role @paul coordinator dept:069")

        await bot.say("#lyon", "bob", "/join")
        assert "Demande enregistrée (M3)" in bot.transport.texts_to("#lyon")[-1]
        # Paul coordinates Lyon: he, not the network admin, is told, with the buttons.
        [notice] = [r for r in bot.transport.sent if r.target.address == "paul"
                    and "Demande d'adhésion" in r.message.text]
        assert [b.command for b in notice.message.buttons] == ["/accept M3", "/refuse M3"]
        assert not any("Demande d'adhésion M3" in t for t in bot.transport.texts_to("alice"))

        await bot.say("#lyon", "bob", "/alert hameçonnage https://evil.example")
        assert "attend encore un coordinateur" in bot.transport.texts_to("#lyon")[-1]
        await bot.say("#lyon", "bob", "/me")
        assert "Demande d'adhésion M3 en attente" in bot.transport.texts_to("#lyon")[-1]

        await bot.say("", "carol", "/join", private=True)  # in private: the network's admins
        assert any("Demande d'adhésion M4" in t for t in bot.transport.texts_to("alice"))
        await bot.say("", "paul", "/accept M4", private=True)
        assert "il faut être coordinateur" in bot.transport.texts_to("paul")[-1]

        await bot.say("", "paul", "/accept M3", private=True)
        welcome = bot.transport.texts_to("#lyon")[-1]
        assert welcome.startswith("Bienvenue bob ! paul a accepté")
        assert welcome.endswith("alertes de votre périmètre : /subscribe dept:069")
        assert [m.text for _, m in bot.transport.edits][-1] == (
            "Demande M3 (bob) : acceptée par paul."
        )
        await bot.say("", "alice", "/refuse M4 inconnue de nos réseaux", private=True)
        assert bot.transport.texts_to("carol")[-1] == (
            "Votre demande d'adhésion a été refusée : inconnue de nos réseaux"
        )
        await bot.say("", "carol", "/join", private=True)
        assert "seul un coordinateur" in bot.transport.texts_to("carol")[-1]
        async with bot.db.transaction() as tx:
            bob = await tx.members.get(3)
            carol = await tx.members.get(4)
        assert bob is not None and bob.joined and bob.sponsor_id == 2 and bob.scope == ("dept:069",)
        assert carol is not None and not carol.joined and carol.standing.value == "refused"


async def test_an_invitation_admits_once_with_a_sponsor_and_subscriptions(tmp_path: Path) -> None:
    members = MembersSettings(invites_per_member=2)
    async with running_bot(tmp_path, members=members) as bot:
        await bot.say("", "alice", "/invite 2 dept:069 theme:retraites", private=True)
        first, second = _codes(bot.transport.texts_to("alice"))
        # Delivered, the codes are gone from the outbox: the database keeps their digests.
        async with bot.db.transaction() as tx:
            rows = await tx._conn.fetchall("SELECT body FROM outbox_payloads")
        assert not [r for r in rows if first in str(r[0]) or second in str(r[0])]
        await bot.say("", "bob", f"/join {first.lower()}", private=True)
        assert bot.transport.texts_to("bob")[-1].startswith("Bienvenue bob !")
        assert "invité·e par alice. Vous recevez en privé les alertes de #dept:069 " \
            "#theme:retraites ; pour en ajouter : /subscribe suivi des tags." in \
            bot.transport.texts_to("bob")[-1]
        assert "bob (M2) est entré·e avec votre invitation." in bot.transport.texts_to("alice")
        await bot.say("", "carol", f"/join {first}", private=True)
        assert "déjà servi" in bot.transport.texts_to("carol")[-1]
        await bot.say("", "bob", f"/join {second}", private=True)  # typed by a member
        assert "reste valable pour quelqu'un d'autre" in bot.transport.texts_to("bob")[-1]

        # Bob is a plain member: two invitations at most, open codes included.
        await bot.say("#lyon", "bob", "/invite 3")
        assert "encore inviter 2 personnes" in bot.transport.texts_to("#lyon")[-1]
        await bot.say("#lyon", "bob", "/invite 2")
        sent, default, unused = bot.transport.texts_to("#lyon")[-3:]
        assert "envoyé 2 codes" in sent
        # Without tags, bob's guests come in where he did; no room has those tags yet.
        assert default == (
            "Sans tag, vos invité·es entrent dans votre périmètre : #dept:069 #theme:retraites."
        )
        assert unused.startswith("Attention : aucun salon relié n'a #dept:069 #theme:retraites.")
        assert len(_codes(bot.transport.texts_to("bob"))) == 2  # in private, never the room
        assert not _codes(bot.transport.texts_to("#lyon"))
        await bot.say("#lyon", "bob", "/invite")
        assert "encore inviter 0 personne" in bot.transport.texts_to("#lyon")[-1]

        async with bot.db.transaction() as tx:
            expired = "ABCDEFGHJK"
            await tx.invitations.create(
                1, [code_digest(expired)], (), expires_at=time.time() - 1,
                created_at=time.time() - 3600,
            )
        await bot.say("", "dave", f"/join {expired}", private=True)
        assert "a expiré" in bot.transport.texts_to("dave")[-1]
        for attempt in range(5):
            await bot.say("", "dave", f"/join 2345678{attempt}AB", private=True)
        await bot.say("", "dave", f"/join {second}", private=True)
        assert "Trop de codes erronés" in bot.transport.texts_to("dave")[-1]

        await bot.say("", "bob", "/me", private=True)
        me = bot.transport.texts_to("bob")[-1]
        assert "Parrain ou marraine : alice (M1)" in me
        assert "Abonnements : #dept:069 #theme:retraites" in me
        await bot.say("", "alice", "/members tree", private=True)
        assert "alice (M1) a fait entrer : niveau 1 : 1 — 1 en tout." in bot.transport.texts_to(
            "alice"
        )


async def test_remove_ends_membership_and_revokes_unused_invitations(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.say("", "alice", "/invite 2", private=True)
        first, second = _codes(bot.transport.texts_to("alice"))
        await bot.say("", "bob", f"/join {first}", private=True)
        await bot.say("", "bob", "/invite 2", private=True)
        bob_codes = _codes(bot.transport.texts_to("bob"))
        await bot.say("", "bob", "/remove @alice", private=True)
        assert "réservée au rôle coordinateur" in bot.transport.texts_to("bob")[-1]
        await bot.say("", "alice", "/remove @bob spam", private=True)
        assert (
            "bob (M2) n'est plus membre ; 2 invitations non utilisées annulées. "
            "Prévenu·e en privé (fake)."
        ) in bot.transport.texts_to("alice")
        await bot.say("", "carol", f"/join {bob_codes[0]}", private=True)
        assert "n'est plus valable" in bot.transport.texts_to("carol")[-1]
        await bot.say("", "bob", f"/join {second}", private=True)
        assert "seul un coordinateur" in bot.transport.texts_to("bob")[-1]
        await bot.say("", "bob", "/alert retour", private=True)
        assert "pas membre" in bot.transport.texts_to("bob")[-1]


async def test_alerts_are_limited_per_member_and_the_same_link_points_to_the_first(
    tmp_path: Path,
) -> None:
    alerts = AlertsSettings(per_member_per_hour=2, max_length=100)
    async with running_bot(tmp_path, members=MembersSettings(open_join=True),
                           alerts=alerts) as bot:
        await bot.say("#lyon", "alice", "/link dept:069")
        await bot.say("#villeurbanne", "alice", "/link dept:069")
        await bot.say("#lyon", "bob", "/join")
        await bot.say("#lyon", "bob", "/alert " + "x" * 101)
        assert "Alerte trop longue (101 caractères, au plus 100)" in (
            bot.transport.texts_to("#lyon")[-1]
        )
        await bot.say("#lyon", "bob", "/alert Député X https://www.example.org/live?utm_source=a")
        await bot.say("#lyon", "bob", "/alert Même lien http://example.org/live/")
        duplicate = bot.transport.sent[-1]
        assert duplicate.message.text.startswith("Déjà signalé : A1")
        assert [b.command for b in duplicate.message.buttons] == ["/ack A1"]
        await bot.say("#lyon", "bob", "/alert Deuxième")
        await bot.say("#lyon", "bob", "/alert Troisième")
        assert "limite de 2 alertes par heure" in bot.transport.texts_to("#lyon")[-1]
        await bot.say("#lyon", "bob", "/alert Partout #national")
        assert "réservée aux coordinateurs du réseau" in bot.transport.texts_to("#lyon")[-1]
        relayed = [t for t in bot.transport.texts_to("#villeurbanne") if "Alerte A" in t]
        assert len(relayed) == 2 and all("#dept:069" in t for t in relayed)
        for number in range(4):  # the network admin is not limited
            await bot.say("#lyon", "alice", f"/alert Admin {number}")
        assert len([t for t in bot.transport.texts_to("#villeurbanne") if "Admin" in t]) == 4


async def test_a_handlers_refusal_stays_in_the_audit_log_and_admins_read_it(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, members=MembersSettings(open_join=True)) as bot:
        await bot.say("#lyon", "alice", "/link dept:069")
        await bot.say("#lyon", "alice", "/alert Fuite #dept:069")
        await bot.say("#lyon", "bob", "/join")
        await bot.say("#lyon", "bob", "/cancel A1")
        await bot.say("#lyon", "alice", "/role @paul coordinator dept:069")
        await bot.say("", "alice", "/audit 3 @bob", private=True)
        audit = bot.transport.texts_to("alice")[-1]
        assert "à l'instant · bob (M2), dans #lyon (fake) · /cancel : refusé (A1)" in audit
        await bot.say("#lyon", "bob", "/audit")
        await bot.say("", "alice", "/audit 1 @bob", private=True)
        assert bot.transport.texts_to("alice")[-1].endswith(
            "à l'instant · bob (M2), dans #lyon (fake) · /audit : refusé "
            "(réservé au rôle admin, son rôle : membre)"
        )
        assert "réservée au rôle admin" in bot.transport.texts_to("#lyon")[-1]
        async with bot.db.transaction() as tx:
            rows = await tx.audit.recent(20)
        assert {(r["command"], r["outcome"]) for r in rows} >= {
            ("cancel", "refused"), ("link", "done"), ("audit", "refused"),
        }
