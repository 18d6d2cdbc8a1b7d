"""Quiet hours and digests with a test clock: alerts held at night, one digest at the end
with each alert's state, urgent alerts through, daily digests, changes mid-night."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import AlertsSettings, MembersSettings
from tests.identity.conftest import network

pytestmark = pytest.mark.both_engines

PARIS = ZoneInfo("Europe/Paris")


def _local(clock_now: float, hour: int, minute: int = 0, *, days: int = 0) -> float:
    """The next `hour:minute` in Paris, `days` days after the clock's date."""
    today = datetime.fromtimestamp(clock_now, PARIS).date()
    day = today + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp()


async def test_alerts_at_night_wait_for_one_digest_with_their_state(tmp_path: Path) -> None:
    async with network(tmp_path, alerts=AlertsSettings(per_member_per_hour=0)) as net:
        await net.say("telegram", "#paris", "alice", "/link dept:075")
        await net.dm("telegram", "dana", "/join")
        await net.dm("telegram", "dana", "/subscribe dept:075")
        await net.dm("telegram", "bob", "/join")
        out = await net.dm("telegram", "dana", "/quiet 23:00-07:00")
        assert "23:00-07:00 (Europe/Paris)" in out and "à 07:00" in out
        seen = len(net.texts_to("telegram", "dana"))

        net.clock.now = _local(net.clock.now, 23, 30)
        receipt = await net.say("telegram", "#paris", "alice", "/alert Un https://e.org/1")
        assert "1 membre la recevra dans son résumé" in receipt[0]
        await net.say("telegram", "#paris", "alice", "/alert Deux https://e.org/2")
        await net.say("telegram", "#paris", "alice", "/alert Trois https://e.org/3")
        await net.say("telegram", "#paris", "bob", "/ack A1")
        await net.say("telegram", "#paris", "alice", "/cancel A2")
        await net.say("telegram", "#paris", "alice", "/task A3 rebuttal")
        await net.say("telegram", "#paris", "bob", "/claim T1")
        await net.say("telegram", "#paris", "bob", "/done T1 https://blog.example.org/x")
        refused = await net.say("telegram", "#paris", "bob", "/alert !urgent Bob crie")
        assert "réservée aux coordinateurs" in refused[0]
        await net.say("telegram", "#paris", "alice", "/alert !urgent Quatre https://e.org/4")
        night = net.texts_to("telegram", "dana")[seen:]
        assert len(night) == 1 and "URGENT" in night[0] and "Quatre" in night[0]
        assert "En attente de votre résumé : 3 alertes" in await net.dm("telegram", "dana", "/me")

        before = len(net.texts_to("telegram", "dana"))
        net.clock.now = _local(net.clock.now, 6, 59, days=1)
        await net.bot.fire_timers()
        assert len(net.texts_to("telegram", "dana")) == before
        net.clock.now = _local(net.clock.now, 7, 0)
        await net.bot.fire_timers()
        [digest] = net.texts_to("telegram", "dana")[before:]
        assert digest.startswith("Pendant vos heures calmes : 3 alertes.")
        lines = digest.splitlines()
        assert lines[1].startswith("A1 · 15/06 23:30 · alice (#paris) : Un https://e.org/1")
        assert lines[1].endswith("— en cours, 1 prise en charge")
        assert lines[2].endswith("— annulée") and "Deux" in lines[2]
        assert lines[3].endswith("— traitée") and "Trois" in lines[3]
        assert "Quatre" not in digest
        # Released once: nothing more, and the next alert comes at once (day time).
        await net.bot.fire_timers()
        assert len(net.texts_to("telegram", "dana")) == before + 1
        await net.say("telegram", "#paris", "alice", "/alert Cinq https://e.org/5")
        assert "Cinq" in net.texts_to("telegram", "dana")[-1]


async def test_turning_quiet_hours_off_releases_at_once_and_digests_are_daily(
    tmp_path: Path,
) -> None:
    async with network(tmp_path, members=MembersSettings(open_join=True)) as net:
        await net.dm("telegram", "dana", "/join")
        await net.dm("telegram", "dana", "/subscribe")
        await net.dm("telegram", "dana", "/quiet 23h-7h")
        net.clock.now = _local(net.clock.now, 23, 45)
        await net.say("telegram", "#paris", "alice", "/alert Nuit https://e.org/n")
        out = await net.dm("telegram", "dana", "/quiet off")
        assert "arrivent maintenant" in out
        digest = net.texts_to("telegram", "dana")[-1]
        assert digest.startswith("Pendant vos heures calmes : 1 alerte.")
        net.clock.now = _local(net.clock.now, 7, 1, days=1)
        await net.bot.fire_timers()  # the 07:00 release finds nothing left
        assert sum("Nuit" in t for t in net.texts_to("telegram", "dana")) == 1

        out = await net.dm("telegram", "dana", "/digest daily 19:00")
        assert "19:00 (Europe/Paris)" in out and "prochain : 19:00" in out
        net.clock.now = _local(net.clock.now, 10, 0)
        await net.say("telegram", "#paris", "alice", "/alert Matin https://e.org/m")
        net.clock.now = _local(net.clock.now, 15, 0)
        await net.say("telegram", "#paris", "alice", "/alert Après-midi https://e.org/a")
        assert not any("Matin" in t for t in net.texts_to("telegram", "dana"))
        # The bot was down at 19:00: the digest comes when it is back, once.
        net.clock.now = _local(net.clock.now, 21, 0)
        await net.bot.fire_timers()
        digest = net.texts_to("telegram", "dana")[-1]
        assert digest.startswith("Votre résumé : 2 alertes.") and "Après-midi" in digest
        out = await net.dm("telegram", "dana", "/tz America/Montreal")
        assert "America/Montreal" in out
        assert "19:00 (America/Montreal)" in await net.dm("telegram", "dana", "/digest")
        assert "Résumé quotidien arrêté" in await net.dm("telegram", "dana", "/digest off")


async def test_malformed_times_and_zones_change_nothing(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        await net.dm("telegram", "dana", "/join")
        for typed, expected in (
            ("/quiet 25:00-07:00", "n'est pas une heure"),
            ("/quiet 23:00-23:00", "même heure"),
            ("/quiet demain", "comme 23:00-07:00"),
            ("/quiet " + "9" * 5000, "comme 23:00-07:00"),
            ("/digest weekly 19:00", "digest daily 19:00"),
            ("/digest daily 7h99", "n'est pas une heure"),
            ("/tz Mars/Olympus", "pas un fuseau"),
            ("/tz ../../../etc/passwd", "pas un fuseau"),
            ("/notify irc", "pas de compte irc"),
            ("/notify pigeon", "pigeon"),
        ):
            assert expected in await net.dm("telegram", "dana", typed), typed
        me = await net.dm("telegram", "dana", "/me")
        assert "Heures calmes" not in me and "Résumé" not in me
        assert "pas d'heures calmes" in (await net.dm("telegram", "dana", "/quiet")).casefold()
