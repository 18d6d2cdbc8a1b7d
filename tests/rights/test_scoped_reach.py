"""What a scoped admin, a member of one scope or a stranger to an alert can reach: no
synonym turns a scoped right into a network-wide one, alerts of other scopes are unknown,
the same link alerted for more of the network widens the first alert, and refusals name
the right they need."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import AlertsSettings, MembersSettings
from bot.domain.roles import Grant, Role, has_role
from bot.domain.tags import NationalAlias, TagAliases, plan_alias
from tests.harness import OPEN_JOIN, Bot, running_bot

TASKS = AlertsSettings(auto_tasks=("clip",))

pytestmark = pytest.mark.both_engines

LINK = "https://www.france.tv/france-2/direct.html"


async def _rooms_and_people(bot: Bot) -> None:
    """#paris (dept:075), #lyon (dept:069), #retraites (theme:retraites); paul admin of
    dept:069, bob and sophie members in Lyon, marc in Paris, lea in the theme room."""
    for room, tag in (("#paris", "dept:075"), ("#lyon", "dept:069"),
                      ("#retraites", "theme:retraites")):
        await bot.say(room, "alice", f"/link {tag}")
    for room, name in (("#lyon", "paul"), ("#lyon", "bob"), ("#lyon", "sophie"),
                       ("#paris", "marc"), ("#retraites", "lea")):
        await bot.say(room, name, "/join")
    await bot.say("#lyon", "alice", "/role @paul admin dept:069")


def _last(bot: Bot, address: str) -> str:
    return bot.transport.texts_to(address)[-1]


def test_national_is_never_a_synonym_whatever_the_rows_say() -> None:
    for alias, target in (("national", "dept:069"), ("dept:069", "national")):
        try:
            plan_alias(TagAliases(), alias, target)
        except NationalAlias:
            continue
        raise AssertionError(f"{alias} = {target} was planned")
    # Rows written before the refusal existed are ignored: dept:069 stays dept:069.
    legacy = TagAliases({"national": "dept:069", "dept:013": "national", "a": "b"})
    assert legacy.canonical("national") == "national"
    assert legacy.canonical("dept:013") == "dept:013" and legacy.canonical("a") == "b"
    paul = (Grant(Role.ADMIN, "dept:069"),)
    assert not has_role(paul, Role.ADMIN, None, legacy)
    assert not has_role(paul, Role.ADMIN, ("national",), legacy)
    assert has_role(paul, Role.ADMIN, ("dept:069",), legacy)


async def test_a_scoped_admin_stays_scoped_and_refusals_say_which_right(tmp_path: Path) -> None:
    async with running_bot(tmp_path, members=OPEN_JOIN) as bot:
        await _rooms_and_people(bot)
        await bot.say("", "alice", "/alias #national #dept:069", private=True)
        assert _last(bot, "alice").startswith("#national veut dire « tout le réseau »")
        await bot.say("", "alice", "/alias #dept:069 #national", private=True)
        assert _last(bot, "alice").startswith("#national veut dire")
        # A synonym of his tag widens Paul's role: the network admin is told, by name.
        await bot.say("", "alice", "/alias #rhone #dept:069", private=True)
        assert bot.transport.texts_to("alice")[-1] == (
            "Attention, les rôles limités à l'un de ces tags valent désormais pour les deux : "
            "paul (M2, admin #dept:069)."
        )

        await bot.say("#lyon", "paul", "/role @bob admin")
        assert _last(bot, "#lyon").startswith(
            "Refusé : sans tag, un rôle vaut pour tout le réseau : c'est réservé aux admins"
        )
        await bot.say("#lyon", "paul", "/role @marc admin national")
        assert _last(bot, "#lyon") == (
            "Refusé : il faut être admin de #national pour y donner ou retirer un rôle."
        )
        await bot.say("#lyon", "paul", "/role @bob member")
        assert "réservé aux admins du réseau" in _last(bot, "#lyon")
        await bot.say("#lyon", "paul", "/audit")
        assert _last(bot, "#lyon") == (
            "Refusé : audit est réservé aux admins du réseau (un rôle admin sans tag)."
        )
        await bot.say("#lyon", "paul", "/linkme confirm ABCDEFGHJK")
        assert "linkme confirm est réservé aux admins du réseau" in _last(bot, "#lyon")
        await bot.say("#paris", "paul", "/link dept:069")
        assert _last(bot, "#paris") == (
            "Refusé : il faut être admin de #dept:075 pour changer ce salon."
        )
        await bot.say("#lyon", "bob", "/alert !urgent Panne générale")
        assert _last(bot, "#lyon") == (
            "Refusé : une alerte urgente (elle passe les heures calmes) est réservée aux "
            "coordinateurs de #dept:069."
        )
        await bot.say("#lyon", "alice", "/role @nadia coordinator dept:069")  # unknown: fine
        await bot.say("#lyon", "bob", "/stats network")
        assert _last(bot, "#lyon").startswith("Refusé")
        async with bot.db.transaction() as tx:
            bob = (await tx.members.find("fake", "bob"))[0]
            paul = (await tx.members.find("fake", "paul"))[0]
        assert bob.role is Role.MEMBER
        assert set(paul.grants) == {Grant(Role.ADMIN, "dept:069"), Grant(Role.MEMBER)}


async def test_alerts_of_other_scopes_answer_as_unknown_ids(tmp_path: Path) -> None:
    async with running_bot(tmp_path, members=OPEN_JOIN, alerts=TASKS) as bot:
        await _rooms_and_people(bot)
        await bot.say("#paris", "marc", "/alert Fuite du rapport secret https://example.org/r")
        assert _last(bot, "#paris").startswith("Alerte A1 relayée")
        before = len(bot.transport.texts_to("#paris"))
        for line in ("/alerts A1", "/stats A1", "/tasks A1", "/ack A1", "/cancel A1"):
            await bot.say("#lyon", "bob", line)
            assert _last(bot, "#lyon") == "L'alerte A1 n'existe pas.", line
        await bot.say("#lyon", "bob", "/alerts")
        assert _last(bot, "#lyon") == "Aucune alerte en cours."
        await bot.say("#lyon", "bob", "/tasks T1")
        assert _last(bot, "#lyon") == "La tâche T1 n'existe pas."
        assert "Fuite du rapport" not in "\n".join(bot.transport.texts_to("#lyon"))
        # Nothing reached the author: no "bob s'en occupe".
        assert len(bot.transport.texts_to("#paris")) == before
        # Where it reached, it is known: Paris, and the network's admins.
        await bot.say("#paris", "marc", "/alerts")
        assert "Fuite du rapport" in _last(bot, "#paris")
        await bot.say("", "alice", "/alerts A1", private=True)
        assert "Fuite du rapport" in _last(bot, "alice")
        # A network-wide alert is everyone's.
        await bot.say("#paris", "alice", "/alert Débat truqué ce soir")
        await bot.say("#lyon", "bob", "/ack A2")
        assert _last(bot, "#lyon") == "C'est noté : vous vous occupez de A2."
        async with bot.db.transaction() as tx:
            audit = await tx.audit.recent(50, None)
        hidden = [row for row in audit if "out of sight" in str(row["detail"])]
        assert len(hidden) == 6


async def test_the_same_link_widens_the_alert_it_was_first_raised_in(tmp_path: Path) -> None:
    async with running_bot(tmp_path, members=OPEN_JOIN, alerts=TASKS) as bot:
        await _rooms_and_people(bot)
        await bot.say("#lyon", "sophie", f"/alert Le député X ment {LINK}")
        assert _last(bot, "#lyon").startswith("Alerte A1 relayée à 0 salon")
        # The same link for the pensions theme: the theme room gets A1, not a second alert.
        await bot.say("#lyon", "bob", f"/alert Même chose {LINK}?xtor=RSS #theme:retraites")
        answer = [r for r in bot.transport.sent if r.target.address == "#lyon"][-1]
        assert answer.message.text.startswith("Déjà signalé : A1 (")
        assert "Je l'ai relayée en plus à 1 salon et 0 membre de #theme:retraites" in (
            answer.message.text
        )
        assert [b.command for b in answer.message.buttons] == ["/ack A1"]
        [card] = bot.transport.texts_to("#retraites")[-1:]
        assert card.startswith("🚨 Alerte A1 — sophie (#lyon) : Le député X ment")
        await bot.say("#retraites", "lea", "/claim T1")
        assert _last(bot, "#retraites").startswith("C'est noté : vous prenez T1")
        # Alerted again from a scope it already reaches: a plain duplicate.
        await bot.say("#retraites", "lea", f"/alert {LINK} #theme:retraites")
        assert _last(bot, "#retraites").startswith("Déjà signalé : A1")
        # Paris never saw A1 (and cannot): its own alert, for its own rooms.
        await bot.say("#paris", "marc", f"/alert Le député X ment encore {LINK}")
        assert _last(bot, "#paris").startswith("Alerte A2 relayée")
        async with bot.db.transaction() as tx:
            first = await tx.alerts.get(1)
            tasks = await tx.tasks.for_alert(1)
        assert first is not None and first.scope == ("dept:069", "theme:retraites")
        assert {task.scope for task in tasks} == {("dept:069", "theme:retraites")}
        assert "A3" not in "\n".join(t for r in bot.transport.sent for t in [r.message.text])


async def test_help_for_someone_waiting_lists_only_what_they_may_run(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.say("#paris", "alice", "/link dept:075")
        await bot.say("#paris", "zoe", "/join")
        await bot.say("#paris", "zoe", "/help")
        shown = _last(bot, "#paris")
        assert "/help" in shown and "/alert" not in shown and "/claim" not in shown
        assert shown.splitlines()[-2] == (
            "Les autres commandes s'ouvrent quand votre demande (M2) sera acceptée."
        )
        await bot.say("#paris", "alice", "/help")
        assert "/alert" in _last(bot, "#paris")


async def test_forgetme_in_a_group_and_removal_are_said_privately(tmp_path: Path) -> None:
    async with running_bot(tmp_path, members=OPEN_JOIN) as bot:
        await _rooms_and_people(bot)
        group = len(bot.transport.texts_to("#lyon"))
        await bot.say("#lyon", "bob", "/forgetme")
        assert bot.transport.texts_to("#lyon")[group:] == [
            "Pour être oublié·e, écrivez-moi en privé : /forgetme."
        ]
        async with bot.db.transaction() as tx:
            assert [m.display_name for m in await tx.members.find("fake", "bob")] == ["bob"]
        await bot.say("#lyon", "alice", "/remove @bob " + "trop long " * 40)
        assert _last(bot, "#lyon").startswith("Raison trop longue (399 caractères, 300 au plus)")
        await bot.say("#lyon", "alice", "/remove @bob Spam\nrépété\u202e ici")
        assert bot.transport.texts_to("bob")[-1] == (
            "Votre adhésion au réseau a été retirée par alice : Spam répété ici"
        )
        assert "Spam" not in "\n".join(bot.transport.texts_to("#lyon")[-1:])


async def test_invitations_stay_in_scope_and_die_with_the_right_that_made_them(
    tmp_path: Path,
) -> None:
    capped = MembersSettings(open_join=True, invites_per_member=1)
    async with running_bot(tmp_path, members=capped) as bot:
        await _rooms_and_people(bot)
        await bot.say("#paris", "marc", "/invite #dept:069")
        assert _last(bot, "#paris") == (
            "Refusé : vous pouvez inviter dans vos périmètres (#dept:075), pas dans #dept:069."
        )
        # Sophie coordinates Lyon for a while: her codes are not capped then.
        await bot.say("#lyon", "alice", "/role @sophie coordinator dept:069")
        await bot.say("#lyon", "sophie", "/invite 3")
        codes = re.findall(r"join ([2-9A-Z]{10})", "\n".join(bot.transport.texts_to("sophie")))
        assert len(codes) == 3
        await bot.say("#lyon", "alice", "/role @sophie member dept:069")
        await bot.say("", "tom", f"/join {codes[0]}", private=True)
        assert bot.transport.texts_to("tom")[-1].startswith("Bienvenue tom !")
        # A member brings in one person at most: the other codes died with the role.
        await bot.say("", "zoe", f"/join {codes[1]}", private=True)
        assert bot.transport.texts_to("zoe")[-1] == (
            "Ce code d'invitation n'est plus valable : demandez-en un autre."
        )
