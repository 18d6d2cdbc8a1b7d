"""The coordinators' dashboard over HTTP: login by a single-use link, scopes, forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import WebSettings
from tests.fakes.web_client import lyon_and_paris, web_bot

pytestmark = pytest.mark.both_engines


async def test_the_login_link_opens_one_session_and_never_another(tmp_path: Path) -> None:
    async with web_bot(tmp_path) as web:
        bot = web.bot
        await lyon_and_paris(web)
        await bot.say("#lyon", "nadia", "/dashboard")
        assert "en privé" in bot.transport.texts_to("#lyon")[-1]
        link = web.last_link("nadia", "/login/")
        assert link not in "\n".join(bot.transport.texts_to("#lyon"))
        path = link.removeprefix(web.base)
        async with web.client() as browser:
            # Opening the link (a chat app's preview does the same) does not spend it.
            for _ in range(2):
                async with browser.get(path) as response:
                    assert response.status == 200
                    assert 'method="post"' in await response.text()
            async with browser.post(path, allow_redirects=False) as response:
                assert response.status == 303
                assert response.headers["Location"] == "/dash/now"
                cookie = response.headers["Set-Cookie"]
                assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
                assert "Secure" not in cookie  # served over http here
            async with browser.get("/dash/now") as response:
                assert response.status == 200
                page = await response.text()
                assert "nadia" in page and "#dept:069" in page
                assert response.headers["Cache-Control"] == "no-store"
                assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        async with web.client() as stranger:
            async with stranger.post(path, allow_redirects=False) as response:
                assert response.status == 410
                assert "déjà servi" in await response.text()
            async with stranger.get("/login/" + "x" * 43) as response:
                assert response.status == 404
            async with stranger.get("/dash/now") as response:
                assert response.status == 401
                assert "tapez dashboard" in await response.text()
        # A member without a coordinator role gets no link.
        await bot.say("#lyon", "bob", "/dashboard")
        assert "coordinat" in bot.transport.texts_to("#lyon")[-1]
        assert not [t for t in bot.transport.texts_to("bob") if "/login/" in t]


async def test_expired_links_and_sessions_say_so_and_behind_https_cookies_are_secure(
    tmp_path: Path,
) -> None:
    https = WebSettings(public_url="https://riposte.example.org")
    async with web_bot(tmp_path, https) as web:
        await web.bot.say("alice", "alice", "/dashboard", private=True)
        first = web.last_link("alice", "/login/").removeprefix("https://riposte.example.org")
        await web.bot.say("alice", "alice", "/dashboard", private=True)
        second = web.last_link("alice", "/login/").removeprefix("https://riposte.example.org")
        async with web.bot.db.transaction() as tx:
            await tx._conn.execute(  # type: ignore[attr-defined]
                "UPDATE web_logins SET expires_at = 1 WHERE created_at ="
                " (SELECT MIN(created_at) FROM web_logins)"
            )
        async with web.client() as browser:
            async with browser.get(first) as response:
                assert response.status == 410
                assert "a expiré" in await response.text()
            async with browser.post(second, allow_redirects=False) as response:
                assert response.status == 303
                assert "Secure" in response.headers["Set-Cookie"]
                cookie = {"Cookie": f"riposte_session={response.cookies['riposte_session'].value}"}
            async with browser.get("/dash/now", headers=cookie) as page:
                assert page.status == 200
            async with web.bot.db.transaction() as tx:
                await tx._conn.execute("UPDATE web_sessions SET expires_at = 1")  # type: ignore[attr-defined]
            async with browser.get("/dash/now", headers=cookie) as page:
                assert page.status == 401
                assert "session a expiré" in await page.text()


async def test_a_scoped_coordinator_sees_their_scope_and_nothing_outside(tmp_path: Path) -> None:
    async with web_bot(tmp_path) as web:
        bot = web.bot
        await lyon_and_paris(web)
        await bot.say("#paris", "alice", "/alert Paris seulement https://example.org/p #dept:075")
        await bot.say("#lyon", "bob", "/alert Lyon ici https://example.org/l")
        browser = await web.login("nadia")
        async with browser:
            async with browser.get("/dash/now") as response:
                page = await response.text()
            assert "Lyon ici" in page and "Paris seulement" not in page
            assert 'href="/dash/alerts/A2"' in page
            async with browser.get("/dash/alerts/A2") as response:
                assert response.status == 200
            # Editing the URL to reach Paris: refused, and nothing of it shown.
            async with browser.get("/dash/alerts/A1") as response:
                assert response.status == 403
                assert "Paris seulement" not in await response.text()
            async with browser.get("/dash/barometer?tag=dept:075") as response:
                assert response.status == 403
            async with browser.get("/dash/barometer?tag=dept:069") as response:
                assert response.status == 200
            async with browser.get("/dash/alerts/A999") as response:
                assert response.status == 404
            async with browser.get("/dash/barometer?from=2024-13-01") as response:
                assert response.status == 400
                assert "AAAA-MM-JJ" in await response.text()
            async with browser.get("/dash/now?x=" + "a" * 5000) as response:
                assert response.status == 414


async def test_forms_need_the_session_csrf_token_and_the_language_switches(
    tmp_path: Path,
) -> None:
    async with web_bot(tmp_path) as web:
        browser = await web.login("alice")
        async with browser:
            async with browser.get("/dash/now") as response:
                page = await response.text()
            assert "Alertes ouvertes" in page
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            assert csrf is not None
            # Forged: no token, a wrong one, another origin. Nothing changes.
            for form, headers in (
                ({"lang": "en"}, {}),
                ({"lang": "en", "csrf": "forged"}, {}),
                ({"lang": "en", "csrf": csrf.group(1)}, {"Origin": "https://evil.example"}),
            ):
                async with browser.post(
                    "/dash/lang", data=form, headers=headers, allow_redirects=False
                ) as response:
                    assert response.status == 403
                    assert "rien n'a été fait" in await response.text()
            async with browser.get("/dash/now") as response:
                assert "Alertes ouvertes" in await response.text()
            async with browser.post(
                "/dash/lang",
                allow_redirects=False,
                data={
                    "lang": "en",
                    "csrf": csrf.group(1),
                    "back": "//evil.example/x",
                },
            ) as response:
                assert response.status == 303
                assert response.headers["Location"] == "/dash/now"
            async with browser.get("/dash/deliveries") as response:
                page = await response.text()
            assert "Deliveries" in page and "Open alerts" not in page
            async with browser.post("/dash/logout", data={"csrf": csrf.group(1)}) as response:
                assert response.status == 200
            async with browser.get("/dash/now") as response:
                assert response.status == 401


async def test_pages_show_the_clock_the_delivery_plot_and_the_barometer(tmp_path: Path) -> None:
    async with web_bot(tmp_path) as web:
        bot = web.bot
        await lyon_and_paris(web)
        await bot.say("#lyon", "bob", "/alert Le député dit n'importe quoi https://example.org/x")
        await bot.say("#paris", "alice", "/ack A1")
        await bot.say("#lyon", "bob", "/task A1 rebuttal Répondre")
        await bot.say("#lyon", "bob", "/claim T1")
        await bot.say("#lyon", "bob", "/done T1 https://blog.example.org/reponse")
        await bot.say("#lyon", "bob", "/short https://blog.example.org/reponse")
        browser = await web.login("alice")
        async with browser:
            async with browser.get("/dash/now") as response:
                page = await response.text()
            row = re.search(r'<tr id="alert-A1">.*?</tr>', page)
            assert row is not None
            # First ack and first rebuttal, seconds after the alert on the real clock.
            assert len(re.findall(r"\+\d+ s\b", row.group(0))) == 2
            async with browser.get("/dash/deliveries") as response:
                page = await response.text()
            points = [int(n) for n in re.findall(r'data-points="(\d+)"', page)]
            assert points and max(points) > 0
            assert "<polyline" in page and 'id="platform-fake"' in page
            async with browser.get("/dash/barometer") as response:
                page = await response.text()
            assert response.status == 200
            assert page.count('class="chart"') == 3
            bob = re.search(r"<tr><td>bob \(M\d+\)</td>(.*?)</tr>", page)
            assert bob is not None
            cells = re.findall(r'<td class="n">(\d+)</td>', bob.group(1))
            assert cells == ["1", "0", "1", "1", "0", "0"]  # alerts, acks, taken, done…
