"""Tasks end to end: `riposte run` as a subprocess on the console, as a user would run it.

Escalation here runs on the real clock with second-scale durations (`after =
"2s"`), through APScheduler; `kill -9` between scheduling and firing shows the
step firing once, late, after the restart.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from tests.fakes.bot_process import BotProcess, start_bot
from tests.fakes.clip_archive import clip_config
from tests.fakes.config_files import write_config
from tests.fakes.console_session import run_console
from tests.fakes.media_server import MediaServer

SETUP = [
    "#paris alice: /link dept:075",
    "#lyon alice: /link dept:069",
    "#lyon bob: /join",
    "#paris dave: /join",
]
ALERT = "#paris alice: /alert Le député X affirme que les retraites ont augmenté de 20 %"


TASKS_TOML = """
[alerts]
auto_tasks = ["clip", "rebuttal"]

[members]
trust_linked_rooms = true
"""
"""Auto tasks, and `join` in a linked room admits at once (the room vets its people)."""


def tasks_config(directory: Path, escalation: str = "") -> Path:
    """A console config with auto tasks; `escalation` is TOML appended as is."""
    path = write_config(directory)
    path.write_text(path.read_text(encoding="utf-8") + TASKS_TOML + escalation, encoding="utf-8")
    return path


def rows(directory: Path, query: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(directory / "riposte.db")
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(query))
    finally:
        conn.close()


def test_auto_tasks_claim_next_done_and_the_clock_on_the_console(tmp_path: Path) -> None:
    session = run_console(
        tasks_config(tmp_path),
        [
            *SETUP,
            ALERT,
            "#lyon bob: /claim T2",
            "#paris dave: /claim t-2",
            "#paris dave: /next",
            "#lyon bob: /done T2 https://blog.example.org/retraites-le-vrai-chiffre",
            "#paris alice: /alerts A1",
        ],
    )
    assert session.returncode == 0, session.stderr
    assert "Traceback" not in session.stdout
    paris, lyon = session.sent_to("#paris"), session.sent_to("#lyon")
    assert "Alerte A1 relayée à 1 salon et 0 membre. Tâches : T1 (clip, A1), T2 (riposte, A1)." in (
        paris
    )
    relayed = next(t for t in lyon if t.startswith("🚨 Alerte A1"))
    assert "[Je prends T1 (clip): /claim T1] [Je prends T2 (riposte): /claim T2]" in (
        session.stdout
    )
    assert relayed.startswith("🚨 Alerte A1 — alice (#paris) : Le député X affirme")
    assert "C'est noté : vous prenez T2 (riposte, A1). Une fois fait : /done T2 [lien]." in lyon
    assert "T2 (riposte, A1) est déjà prise par bob." in paris
    assert "C'est noté : vous prenez T1 (clip, A1). Une fois fait : /done T1 [lien]." in paris
    assert "bob prend T2 (riposte, A1)." in paris
    edits = session.edited_in("#lyon")
    assert edits and all(e.startswith("🚨 Alerte A1") for e in edits)
    done = "    T2 · riposte — faite par bob — https://blog.example.org/retraites-le-vrai-chiffre"
    assert any(line.startswith(done) for line in session.lines)
    clock = session.stdout.split("-> #paris: A1 — alice (#paris)")[1].splitlines()
    assert any(line.endswith("T2 (riposte, A1) prise par bob (+0 s)") for line in clock)
    assert any("Chrono : riposte en 0 s." in line for line in clock)


def test_clip_for_a_task_takes_it_and_completes_it_once_archived(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8") + TASKS_TOML,
        encoding="utf-8",
    )
    url = media.url("/hls/index.m3u8")
    session = run_console(
        config,
        [
            "#paris alice: /link",
            "#lyon alice: /link",
            "#lyon lea: /join",
            ALERT,
            "#lyon lea: /clip T2 " + url,  # a rebuttal task is not for clips
            f"#lyon lea: /clip T1 {url} from 0:02 to 0:06",
        ],
    )
    assert session.returncode == 0, session.stderr
    lyon, paris = session.sent_to("#lyon"), session.sent_to("#paris")
    assert (
        "T2 (riposte, A1) n'est pas une tâche de clip : pour un clip de l'alerte, clip A1 <lien>."
        in lyon
    )
    assert "C'est noté : vous prenez T1 (clip, A1). Une fois fait : /done T1 [lien]." not in lyon
    assert "lea prend T1 (clip, A1)." in paris
    assert "✅ lea a fait T1 (clip, A1) — K1." in paris
    assert any("T1 · clip — faite par lea — K1" in line for line in session.lines)
    [task] = rows(tmp_path, "SELECT * FROM tasks WHERE id = 1")
    assert (task["status"], task["result_clip_id"], task["done_name"]) == ("done", 1, "lea")
    [clip] = rows(tmp_path, "SELECT * FROM clips")
    assert clip["alert_id"] == 1 and clip["status"] == "done"


ESCALATION = """
[escalation]
release_after = "2s"
ask_again_after = "1h"

[[escalation.steps]]
after = "2s"
then = "remind rooms"

[[escalation.steps]]
after = "4s"
then = "dm coordinators"
"""


async def _wait_line(bot: BotProcess, pattern: str, timeout: float = 20) -> int:
    """Index of the first output line matching `pattern`."""
    line = await bot.expect(pattern, timeout)
    return bot.lines.index(line)


async def test_escalation_steps_in_order_then_the_claimer_is_asked_and_released(
    tmp_path: Path,
) -> None:
    bot = await start_bot(tasks_config(tmp_path, ESCALATION))
    try:
        for line in SETUP:
            await bot.say(line)
        await bot.say(ALERT)
        await bot.say("#lyon bob: /claim T1")
        await bot.say("#paris alice: /task A1 partage Partager le billet due 3s")
        await bot.say("#lyon bob: /claim T3")
        await bot.expect(r"^-> #lyon: C'est noté : vous prenez T3")
        rooms = await _wait_line(bot, r"^-> #lyon: ⏰ Toujours personne pour T2 \(riposte, A1\)")
        await bot.expect(r"^-> #paris: ⏰ Toujours personne pour T2 \(riposte, A1\)")
        asked = await _wait_line(bot, r"^-> @bob: ⏰ bob, T3 \(partage, A1\) devait être faite")
        coordinators = await _wait_line(
            bot, r"^-> @alice: ⏰ T2 \(riposte, A1\) attend un preneur"
        )
        released = await _wait_line(
            bot, r"^-> @bob: Sans réponse de votre part, T3 \(partage, A1\) est de nouveau libre\."
        )
        await bot.expect(
            r"^-> #paris: T3 \(partage, A1\) est de nouveau libre : bob n'a pas répondu\."
        )
        await bot.expect(r"^~> #lyon: 🚨 Alerte A1")
        assert rooms < coordinators and asked < released
        assert "[Oui, j'y suis: /claim T3] [Je lâche: /drop T3]" in bot.lines[asked]
        assert not any("T1 (clip, A1)" in line and "⏰" in line for line in bot.lines)
    finally:
        assert await bot.finish() == 0, bot.stderr
    [task] = rows(tmp_path, "SELECT status, claimed_by FROM tasks WHERE id = 3")
    assert (task["status"], task["claimed_by"]) == ("open", None)


async def test_a_step_due_while_the_bot_was_killed_fires_once_after_restart_and_says_late(
    tmp_path: Path,
) -> None:
    config = tasks_config(tmp_path, '\n[[escalation.steps]]\nafter = "2s"\nthen = "remind rooms"\n')
    bot = await start_bot(config)
    for line in SETUP:
        await bot.say(line)
    await bot.say(ALERT)
    await bot.expect(r"^-> #lyon: 🚨 Alerte A1")
    await bot.kill()  # kill -9, well before the step is due
    assert not any("⏰" in line for line in bot.lines)
    pending = rows(tmp_path, "SELECT * FROM timers WHERE kind = 'task.escalate'")
    assert [t["state"] for t in pending] == ["pending", "pending"]
    await asyncio.sleep(max(0.0, pending[0]["due_at"] + 6 - time.time()))

    bot = await start_bot(config)
    try:
        # One reminder per room names both free tasks of the alert.
        reminder = await bot.expect(
            r"^-> #lyon: ⏰ Toujours personne pour T1 \(clip, A1\), T2 \(riposte, A1\), depuis "
        )
        assert "(en retard de " in reminder and "le bot était arrêté)" in reminder
        assert "[Je prends T1 (clip): /claim T1] [Je prends T2 (riposte): /claim T2]" in reminder
        await asyncio.sleep(1.5)  # long enough for a second firing, if there were one
    finally:
        assert await bot.finish() == 0, bot.stderr
    assert sum("⏰" in line for line in bot.lines) == 2  # once in #lyon, once in #paris
    fired = rows(tmp_path, "SELECT * FROM timers WHERE kind = 'task.escalate'")
    assert [t["state"] for t in fired] == ["fired", "fired"]
    assert all(t["fired_at"] - t["due_at"] >= 5 for t in fired)
