"""Tasks as members use them, in process: real store, dispatcher, engine and timers.

Escalation runs on a clock of the test's own (`FakeClock`): no test waits minutes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.transports.base import PlatformLimits
from tests.fakes.clock import FakeClock
from tests.fakes.recording_transport import RecordingTransport
from tests.tasks.task_network import STEPS, last, network, task_rows, texts

pytestmark = pytest.mark.both_engines


async def test_auto_tasks_are_listed_under_the_relayed_alert_with_a_claim_button_each(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment sur France 2")
        receipt = last(bot, "#paris")
        [relayed] = [r for r in bot.transport.sent if r.target.address == "#lyon"][-1:]
    assert receipt.endswith("Tâches : T1 (clip, A1), T2 (riposte, A1).")
    assert "T1 · clip — libre" in relayed.message.text
    assert "T2 · riposte — libre" in relayed.message.text
    assert [b.command for b in relayed.message.buttons] == ["/ack A1", "/claim T1", "/claim T2"]
    assert relayed.message.buttons[1].label == "Je prends T1 (clip)"


async def test_two_claims_at_once_go_to_exactly_one_and_the_other_hears_who(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment")
        await asyncio.gather(
            bot.transport.say("#lyon", "bob", "/claim T2"),
            bot.transport.say("#paris", "dave", "/claim T2"),
        )
        assert await bot.engine.wait_idle(10)
        answers = {
            who: texts(bot, room)[-2:] for who, room in (("bob", "#lyon"), ("dave", "#paris"))
        }
        row = task_rows(tmp_path)[2]
    winner = row["claimer_name"]
    loser = "dave" if winner == "bob" else "bob"
    assert f"T2 (riposte, A1) est déjà prise par {winner}." in answers[loser]
    assert any(a.startswith("C'est noté : vous prenez T2") for a in answers[winner])
    assert not any("vous prenez T2" in a for a in answers[loser])


async def test_each_change_edits_room_copies_where_the_platform_can_edit_and_tells_the_origin(
    tmp_path: Path,
) -> None:
    irc = RecordingTransport(
        platform="irc", limits=PlatformLimits(max_text_length=400, can_edit=False)
    )
    admins = frozenset({"fake:alice", "irc:alice"})
    clock = FakeClock()
    async with network(tmp_path, others=(irc,), admins=admins, clock=clock) as bot:
        await bot.say("#ircroom", "alice", "/link", on="irc")
        await bot.say("#paris", "alice", "/alert Le député X ment")
        before = len(bot.transport.edits)
        await bot.say("#lyon", "bob", "/claim T1")
        assert len(bot.transport.edits) == before  # edits follow the answer, out of its way
        clock.advance(1)
        await bot.fire_timers()
        await bot.say("#lyon", "bob", "/done T1 https://example.org/clip.mp4")
        await bot.say("#paris", "dave", "/claim T2")  # the same second: one more edit
        clock.advance(1)
        await bot.fire_timers()
        edits = [m.text for ref, m in bot.transport.edits[before:] if ref.chat_id == "#lyon"]
        private_edits = [ref for ref, _ in bot.transport.edits if ref.chat_id == "carol"]
        paris = texts(bot, "#paris")
    assert len(edits) == 2
    assert "T1 · clip — prise par bob" in edits[0]
    assert "T1 · clip — faite par bob — https://example.org/clip.mp4" in edits[1]
    assert "T2 · riposte — prise par dave" in edits[1]
    assert irc.edits == [] and len(irc.texts_to("#ircroom")) == 2  # link answer + alert
    assert private_edits == []  # 150,000 private copies are not edited per claim
    assert "bob prend T1 (clip, A1)." in paris
    assert "✅ bob a fait T1 (clip, A1) — https://example.org/clip.mp4." in paris


async def test_next_takes_the_oldest_free_task_in_your_scopes_but_not_one_you_let_go(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#lille", "alice", "/alert Meeting à Lille #dept:059")  # T1, T2
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")  # T3, T4
        await bot.say("carol", "carol", "/next", private=True)
        first = last(bot, "carol")
        await bot.say("carol", "carol", "/drop T3", private=True)
        await bot.say("carol", "carol", "/next riposte", private=True)
        second = last(bot, "carol")
        await bot.say("carol", "carol", "/next", private=True)
        third = last(bot, "carol")
        await bot.say("carol", "carol", "/next", private=True)
        fourth = last(bot, "carol")
    assert first.startswith("C'est noté : vous prenez T3 (clip, A2).")
    assert second.startswith("C'est noté : vous prenez T4 (riposte, A2).")
    assert third == fourth == "Rien à prendre pour l'instant dans vos périmètres. Merci !"


async def test_done_needs_the_claimer_or_a_coordinator_and_keeps_the_result(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        await bot.say("#paris", "dave", "/done T2 https://blog.example.org/x")
        open_answer = last(bot, "#paris")
        await bot.say("#paris", "dave", "/claim T2")
        await bot.say("carol", "carol", "/done T2 fait", private=True)
        refused = last(bot, "carol")
        await bot.say("#paris", "nadia", "/done T2 Publié sur le blog de Paul")
        by_coordinator = last(bot, "#paris")
        dave_told = [t for t in texts(bot, "dave") if "marqué" in t]
        await bot.say("#paris", "dave", "/done T2")
        finished = last(bot, "#paris")
        rows = task_rows(tmp_path)
    assert open_answer == "Prenez d'abord T2 (riposte, A1) (/claim T2), puis /done T2."
    assert refused.startswith("T2 (riposte, A1) est prise par dave : seuls ce preneur")
    assert by_coordinator == "Merci ! T2 (riposte, A1) est faite — Publié sur le blog de Paul."
    assert dave_told == [
        "nadia a marqué T2 (riposte, A1) comme faite — Publié sur le blog de Paul."
    ]
    assert finished.startswith("T2 (riposte, A1) est déjà terminée (faite par nadia")
    assert rows[2]["status"] == "done" and rows[2]["result_text"] == "Publié sur le blog de Paul"


async def test_bad_input_gets_one_line_in_the_members_language_and_changes_nothing(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        await bot.say("#lyon", "bob", "/lang en")
        before = task_rows(tmp_path)
        answers: dict[str, str] = {}
        for line in (
            "/claim T99",
            "/claim T1",  # bob's room and follows are dept:069, the task is dept:075's
            "/task A1 clip due 0:01",
            "/task riposte due bientôt",
            "/task rebuttal Répondre #dept:069",  # no alert and not a coordinator
            "/done T1 javascript:alert(1)",
            "/assign T1 @bob",
            "/claim x17",
        ):
            await bot.say("#lyon", "bob", line)
            answers[line] = last(bot, "#lyon")
        await bot.say("#paris", "nadia", "/assign T1 @bob")
        outside = last(bot, "#paris")
        await bot.say("#paris", "nadia", "/task A1 clip due 0:01")
        past = last(bot, "#paris")
        after = task_rows(tmp_path)
        await bot.say("#paris", "dave", "/claim T1")
        await bot.say("#paris", "dave", "/done T1")
        await bot.say("#paris", "dave", "/claim T1")
        finished = last(bot, "#paris")
    assert answers["/claim T99"] == "Task T99 does not exist."
    assert answers["/claim T1"].startswith("T1 (clip, A1) is for #dept:075: follow that scope")
    # Paris's alert is unknown in Lyon's eyes: its text and its tasks do not leak.
    assert answers["/task A1 clip due 0:01"] == "Alert A1 does not exist."
    assert past == "L'échéance « 0:01 » est déjà passée."
    assert answers["/task riposte due bientôt"].startswith('"bientôt" is not a due time')
    assert answers["/task rebuttal Répondre #dept:069"].startswith(
        "A task without an alert is created by a coordinator"
    )
    assert (
        answers["/done T1 javascript:alert(1)"]
        == "Take T1 (clip, A1) first (/claim T1), then /done T1."
    )
    assert answers["/assign T1 @bob"].startswith("Refused: this command is for the coordinator")
    assert answers["/claim x17"].startswith('"x17" is not a task id: write it like T5.')
    assert outside == "bob n'est pas dans le périmètre de T1 (clip, A1) (#dept:075)."
    assert finished.startswith("T1 (clip, A1) est déjà terminée")
    assert {k: dict(v) for k, v in after.items()} == {k: dict(v) for k, v in before.items()}


async def test_unclaimed_task_escalates_step_by_step_and_stops_once_claimed(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with network(tmp_path, clock=clock, escalation=STEPS) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        await bot.say("#paris", "alice", "/claim T1")
        clock.advance(2)
        assert await bot.fire_timers() == 1  # the edit of the alert's copies
        lyon, paris, nadia, carol = (
            len(texts(bot, a)) for a in ("#lyon", "#paris", "nadia", "carol")
        )
        clock.advance(297)
        assert await bot.fire_timers() == 0
        clock.advance(2)
        assert await bot.fire_timers() == 1  # T2: remind rooms (T1 is claimed)
        reminder = texts(bot, "#paris", paris)
        assert reminder == ["⏰ Toujours personne pour T2 (riposte, A1), depuis 5 min."]
        assert texts(bot, "#lyon", lyon) == []  # dept:069 never got the alert
        clock.advance(600)
        assert await bot.fire_timers() == 1
        assert texts(bot, "nadia", nadia)[-1].startswith(
            "⏰ T2 (riposte, A1) attend un preneur depuis 15 min. Pour la confier : /assign T2"
        )
        clock.advance(300)
        assert await bot.fire_timers() == 1
        assert texts(bot, "carol", carol)[-1] == (
            "⏰ Besoin d'aide : T2 (riposte, A1), sans preneur depuis 20 min."
        )
        await bot.say("#paris", "dave", "/claim T2")
        reminders = sum("⏰" in r.message.text for r in bot.transport.sent)
        clock.advance(3600)
        await bot.fire_timers()
        assert sum("⏰" in r.message.text for r in bot.transport.sent) == reminders
        await bot.say("#paris", "alice", "/tasks T2")
        history = last(bot, "#paris")
    assert "relance : rappel dans les salons (1)" in history
    assert "relance : message aux coordinateurs (1)" in history
    assert "prise par dave" in history


async def test_dm_coordinators_reaches_only_those_whose_rights_cover_every_tag(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with network(tmp_path, clock=clock, escalation=STEPS) as bot:
        # nadia coordinates dept:075 only, bob dept:069 only, dave both.
        await bot.say("#paris", "alice", "/role @bob coordinator dept:069")
        await bot.say("#paris", "alice", "/role @dave coordinator dept:069")
        await bot.say("#paris", "alice", "/role @dave coordinator dept:075")
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075 #dept:069")
        clock.advance(901)
        await bot.fire_timers()
        told = {
            who
            for who in ("alice", "bob", "carol", "dave", "nadia")
            if any("attend un preneur" in t for t in texts(bot, who))
        }
        # Neither nadia nor bob could assign a task tagged with both: dave can.
        await bot.say("#paris", "nadia", "/assign T2 @dave")
        refused = last(bot, "#paris")
    assert told == {"dave"}
    assert "T2" in refused and "dave prend" not in refused


async def test_overdue_claimer_is_asked_and_loses_the_task_when_silent(tmp_path: Path) -> None:
    clock = FakeClock()
    async with network(tmp_path, clock=clock, escalation=STEPS) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        await bot.say("#paris", "alice", "/task A1 partage Partager le billet due 10m")
        await bot.say("#paris", "dave", "/claim T3")
        clock.advance(601)
        await bot.fire_timers()
        asked = [r for r in bot.transport.sent if r.target.address == "dave"][-1].message
        assert asked.text.startswith("⏰ dave, T3 (partage, A1) devait être faite pour ")
        assert [b.command for b in asked.buttons] == ["/claim T3", "/drop T3"]
        await bot.say("dave", "dave", asked.buttons[0].command, private=True)  # "Yes"
        assert last(bot, "dave") == "C'est noté : vous êtes toujours sur T3 (partage, A1)."
        clock.advance(601)
        await bot.fire_timers()
        assert task_rows(tmp_path)[3]["claimed_by"] is not None  # "yes" kept it
        clock.advance(300)  # asked again after ask_again_after (15 min)
        await bot.fire_timers()
        assert last(bot, "dave").startswith("⏰ dave, T3 (partage, A1) devait être faite")
        clock.advance(601)  # no answer this time
        await bot.fire_timers()
        rows = task_rows(tmp_path)
        dave_last = last(bot, "dave")
        paris_last = texts(bot, "#paris")[-1]
    assert rows[3]["status"] == "open" and rows[3]["claimed_by"] is None
    assert dave_last == "Sans réponse de votre part, T3 (partage, A1) est de nouveau libre."
    assert paris_last == "T3 (partage, A1) est de nouveau libre : dave n'a pas répondu."


async def test_a_cancelled_alert_drops_its_tasks_and_nothing_escalates(tmp_path: Path) -> None:
    clock = FakeClock()
    async with network(tmp_path, clock=clock, escalation=STEPS) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment")
        await bot.say("#paris", "alice", "/cancel A1")
        clock.advance(7200)
        assert await bot.fire_timers() == 0
        edits = [m.text for ref, m in bot.transport.edits if ref.chat_id == "#lyon"]
        await bot.say("#lyon", "bob", "/claim T1")
        refused = last(bot, "#lyon")
    assert {r["status"] for r in task_rows(tmp_path).values()} == {"dropped"}
    assert edits[-1].startswith("[annulée] Alerte A1") and "T1" not in edits[-1]
    assert refused == "T1 (clip, A1) est déjà terminée (abandonnée)."


async def test_alerts_shows_the_rapid_response_clock(tmp_path: Path) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment")
        await bot.say("#lyon", "bob", "/ack A1")
        await bot.say("#lyon", "bob", "/claim T2")
        await bot.say("#lyon", "bob", "/done T2 https://blog.example.org/vrai-chiffre")
        await bot.say("#paris", "alice", "/alerts A1")
        clock = last(bot, "#paris").splitlines()
    assert clock[0] == "A1 — alice (#paris) : Le député X ment"
    assert clock[1].endswith("alerte lancée par alice")
    assert clock[2].endswith("première prise en charge : bob (+0 s)")
    assert clock[3].endswith("T2 (riposte, A1) prise par bob (+0 s)")
    assert clock[4].endswith(
        "T2 (riposte, A1) faite par bob (+0 s) — https://blog.example.org/vrai-chiffre"
    )
    assert clock[5] == "Chrono : prise en charge en 0 s, riposte en 0 s."


async def test_claim_and_drop_flapping_is_paused_and_nobody_holds_more_than_five(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as bot:
        for _ in range(4):
            await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        for _ in range(5):
            await bot.say("carol", "carol", "/claim T1", private=True)
            await bot.say("carol", "carol", "/drop T1", private=True)
        await bot.say("carol", "carol", "/claim T1", private=True)
        flapping = last(bot, "carol")
        for number in range(2, 8):
            await bot.say("#paris", "dave", f"/claim T{number}")
        greedy = last(bot, "#paris")
    assert flapping == "Vous avez lâché 5 tâches dans l'heure : reprenez-en plus tard."
    assert greedy.startswith("Vous avez déjà 5 tâches en cours (le maximum)")


async def test_after_a_long_stop_only_the_latest_overdue_step_is_sent(tmp_path: Path) -> None:
    clock = FakeClock()
    async with network(tmp_path, clock=clock, escalation=STEPS) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        clock.advance(2)
        await bot.fire_timers()
        before = sum("⏰" in r.message.text for r in bot.transport.sent)
        clock.advance(1300)  # the bot was down through the three steps
        await bot.fire_timers()
        await bot.fire_timers()
        sent = [r.message.text for r in bot.transport.sent if "⏰" in r.message.text]
        late = sent[before:]
        # One call for help (the last step, to subscribers), naming both tasks, said late.
        assert late == [
            "⏰ Besoin d'aide : T1 (clip, A1), T2 (riposte, A1), sans preneur depuis 21 min."
            " (en retard de 16 min : le bot était arrêté)"
        ]


async def test_who_dropped_a_task_is_not_chased_for_it(tmp_path: Path) -> None:
    clock = FakeClock()
    async with network(tmp_path, clock=clock, escalation=STEPS) as bot:
        await bot.say("#paris", "dave", "/subscribe dept:075")
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        await bot.say("#paris", "dave", "/claim T1")
        await bot.say("#paris", "nadia", "/claim T2")
        told = len(texts(bot, "dave"))
        await bot.say("#paris", "dave", "/drop T1")
        for _ in range(5):
            clock.advance(300)
            await bot.fire_timers()
        assert texts(bot, "dave", told) == []
        # The pool's escalation runs as for any free task: carol is asked for help.
        assert texts(bot, "carol")[-1] == (
            "⏰ Besoin d'aide : T1 (clip, A1), sans preneur depuis 20 min."
        )
