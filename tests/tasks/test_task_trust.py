"""Tasks under the trust rules: accepted members only, rights over every tag of a task,
refusals kept in the audit log, clips attached by those who work on the alert."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.engines import rows
from tests.tasks.task_network import last, network, task_rows

pytestmark = pytest.mark.both_engines


def audit_rows(tmp_path: Path, user: str) -> list[tuple[str, str, str]]:
    query = "SELECT command, outcome, detail FROM audit_log WHERE user_id = ? ORDER BY id"
    return [tuple(row) for row in rows(tmp_path, query, (user,))]


async def test_a_pending_person_can_neither_take_nor_finish_work_nor_be_given_it(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        await bot.say("#paris", "eve", "/join")  # M6, waiting for a coordinator
        before = task_rows(tmp_path)
        answers = []
        for line in ("/claim T1", "/next", "/done T1 https://example.org/x", "/clip T1 x"):
            await bot.say("#paris", "eve", line)
            answers.append(last(bot, "#paris"))
        await bot.say("#paris", "nadia", "/assign T1 @eve")
        assigned = last(bot, "#paris")
        after = task_rows(tmp_path)
    waiting = (
        "Votre demande d'adhésion (M6) attend encore un coordinateur : en attendant, "
        "seules les commandes help et me vous sont ouvertes."
    )
    assert answers == [waiting] * 4
    assert assigned == (
        "eve (M6) attend encore l'acceptation de sa demande d'adhésion : pas de tâche avant."
    )
    assert {k: dict(v) for k, v in after.items()} == {k: dict(v) for k, v in before.items()}
    refused = [(c, o) for c, o, _ in audit_rows(tmp_path, "eve")]
    assert refused == [("join", "requested")] + [
        (command, "refused") for command in ("claim", "next", "done", "clip")
    ]
    assert ("assign", "refused", "T1 to M6 (pending)") in audit_rows(tmp_path, "nadia")


async def test_a_coordinator_of_one_tag_has_no_say_over_a_task_of_two(tmp_path: Path) -> None:
    async with network(tmp_path) as bot:
        # T1 and T2 belong to Paris and Lyon at once; nadia coordinates Paris only.
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075 #dept:069")
        await bot.say("#paris", "dave", "/claim T1")
        before = task_rows(tmp_path)
        answers = []
        for line in ("/assign T2 @dave", "/done T1", "/drop T1"):
            await bot.say("#paris", "nadia", line)
            answers.append(last(bot, "#paris"))
        unchanged = task_rows(tmp_path)
        # On a Paris-only alert she assigns, but only to someone of Paris.
        await bot.say("#paris", "alice", "/alert Le député Y aussi #dept:075")
        await bot.say("#paris", "nadia", "/assign T3 @bob")
        outside = last(bot, "#paris")
        await bot.say("#paris", "nadia", "/assign T3 @dave")
        given = last(bot, "#paris")
    assert answers == [
        "Seuls les coordinateurs de #dept:075 #dept:069 peuvent confier T2 (riposte, A1).",
        "T1 (clip, A1) est prise par dave : seuls ce preneur et les coordinateurs du périmètre "
        "peuvent la terminer.",
        "Seuls le preneur de T1 (clip, A1), son auteur et les coordinateurs de son périmètre "
        "peuvent la lâcher.",
    ]
    assert {k: dict(v) for k, v in unchanged.items()} == {k: dict(v) for k, v in before.items()}
    assert outside == "bob n'est pas dans le périmètre de T3 (clip, A2) (#dept:075)."
    assert given.startswith("T3 (clip, A2) est confiée à dave")
    refusals = [(c, o) for c, o, _ in audit_rows(tmp_path, "nadia") if o == "refused"]
    assert refusals == [(command, "refused") for command in ("assign", "done", "drop", "assign")]


async def test_whoever_took_one_of_its_tasks_may_attach_clips_to_the_alert(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        await bot.say("#paris", "dave", "/claim T2")  # the rebuttal, not the clip task
        await bot.say("#paris", "dave", "/clip A1 https://replay.example.org/v/1 +30s")
        await bot.say(
            "carol", "carol", "/clip A1 https://replay.example.org/v/2 +30s", private=True
        )
        refused = last(bot, "carol")
        await bot.say("#paris", "dave", "/done T2 https://blog.example.org/faux")
        await bot.say("#paris", "dave", "/clip A1 https://replay.example.org/v/3 +30s")
        attached = {
            r[0]: r[1] for r in rows(tmp_path, "SELECT id, alert_id FROM clips ORDER BY id")
        }
    assert attached == {1: 1, 2: None, 3: 1}
    assert refused.startswith("K2 est archivé sans être rattaché à A1")
    assert ("clip", "refused", "attach to A1") in audit_rows(tmp_path, "carol")


async def test_removing_a_member_frees_the_tasks_they_held(tmp_path: Path) -> None:
    async with network(tmp_path) as bot:
        await bot.say("#paris", "alice", "/alert Le député X ment #dept:075")
        await bot.say("#paris", "dave", "/claim T1")
        await bot.say("#lyon", "alice", "/remove @dave")
        await bot.say("#paris", "dave", "/done T1")
        refused = last(bot, "#paris")
        await bot.say("#paris", "alice", "/tasks T1")
        history = last(bot, "#paris")
        rows = task_rows(tmp_path)
    assert "T1 (clip, A1) est de nouveau libre : dave ne fait plus partie du réseau." in (
        bot.transport.texts_to("#paris")
    )
    assert refused == "Vous n'êtes pas membre du réseau : demandez à un coordinateur."
    assert (rows[1]["status"], rows[1]["claimed_by"]) == ("open", None)
    assert "libérée : dave ne fait plus partie du réseau" in history
