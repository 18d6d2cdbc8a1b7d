"""The approval queue and the push calendar: the chat's actions, from the dashboard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fakes.web_client import lyon_and_paris, web_bot

pytestmark = pytest.mark.both_engines


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


async def test_approve_and_reject_from_the_queue_tell_the_author_in_the_chat(
    tmp_path: Path,
) -> None:
    async with web_bot(tmp_path) as web:
        bot = web.bot
        await lyon_and_paris(web)
        await bot.say("#paris", "paul", "/submit Le vrai chiffre https://blog.example.org/vrai")
        await bot.say("#paris", "paul", "/submit Un autre texte")
        nadia = await web.login("nadia")
        alice = await web.login("alice")
        async with nadia, alice:
            async with nadia.get("/dash/queue") as response:
                page = await response.text()
            assert "Rien à valider" in page  # Paris's content is not hers to decide
            # Forging the form anyway: refused, audited, nothing changed.
            async with nadia.post(
                "/dash/queue/C1/approve", data={"csrf": _csrf(page)}, allow_redirects=False
            ) as response:
                assert response.status == 403
            async with alice.get("/dash/now") as response:
                now = await response.text()
            assert "Contenus à valider (2)" in now and 'href="/dash/queue#content-C1"' in now
            async with alice.get("/dash/queue") as response:
                page = await response.text()
            assert 'id="approve-C1"' in page and 'id="reject-C2"' in page
            async with alice.post("/dash/queue/C1/approve", allow_redirects=False) as response:
                assert response.status == 403  # no CSRF token
            assert "approuvé" not in "\n".join(bot.transport.texts_to("#paris"))
            async with alice.post("/dash/queue/C1/approve", data={"csrf": _csrf(page)}) as done:
                assert done.status == 200 and str(done.url).endswith("done=approved&id=C1")
                assert "C1 approuvé" in await done.text()
            await bot.engine.wait_idle(5)
            told = bot.transport.texts_to("#paris")[-1]
            assert told == "Votre contenu C1 est approuvé par alice."
            async with alice.post(
                "/dash/queue/C1/approve", data={"csrf": _csrf(page)}, allow_redirects=False
            ) as again:
                assert again.status == 409
                assert "déjà approuvé" in await again.text()
            async with alice.post(
                "/dash/queue/C2/reject", data={"csrf": _csrf(page), "reason": "Hors sujet"}
            ) as done:
                assert "C2 refusé" in await done.text()
            await bot.engine.wait_idle(5)
            assert "Hors sujet" in bot.transport.texts_to("#paris")[-1]
        async with bot.db.transaction() as tx:
            rows = await tx.audit.recent(10)
        outcomes = [(r["command"], r["outcome"], r["platform"]) for r in rows]
        assert ("approve", "refused", "web") in outcomes
        assert ("approve", "done", "web") in outcomes and ("reject", "done", "web") in outcomes


async def test_the_calendar_lists_pushes_and_unpush_cancels_one(tmp_path: Path) -> None:
    async with web_bot(tmp_path) as web:
        bot = web.bot
        await lyon_and_paris(web)
        await bot.say("#paris", "paul", "/submit Le vrai chiffre https://blog.example.org/vrai")
        await bot.say("#paris", "alice", "/approve C1")
        await bot.say("#paris", "alice", "/push C1 in 1h to rooms")
        alice = await web.login("alice")
        async with alice:
            async with alice.get("/dash/pushes") as response:
                page = await response.text()
            assert 'id="push-P1"' in page and 'id="unpush-P1"' in page
            async with alice.get("/dash/now") as response:
                assert 'id="today"' in await response.text()  # 1 or 0 by the hour of the day
            async with alice.post("/dash/pushes/P1/unpush", data={"csrf": _csrf(page)}) as done:
                assert "P1 annulée" in await done.text()
            async with alice.post("/dash/pushes/P99/unpush", data={"csrf": _csrf(page)}) as missing:
                assert missing.status == 404
        async with bot.db.transaction() as tx:
            push = await tx.pushes.get(1)
        assert push is not None and push.status.value == "cancelled"
