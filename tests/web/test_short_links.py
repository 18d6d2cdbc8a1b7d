"""Short links: minted in chat, followed in a browser, counted per day and nothing more."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.config import WebSettings
from bot.domain.short_links import CODE_LENGTH, day_of, is_visit
from tests.fakes.engines import rows
from tests.fakes.web_client import web_bot

pytestmark = pytest.mark.both_engines

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


async def test_a_short_link_redirects_and_counts_visits_per_day_for_its_owner(
    tmp_path: Path,
) -> None:
    async with web_bot(tmp_path) as web:
        bot = web.bot
        await bot.say("#lyon", "bob", "/join")
        await bot.say("#lyon", "bob", "/short https://blog.example.org/retraites?x=1 #retraites")
        link = web.last_link("#lyon", "/s/")
        assert link.startswith(web.base + "/s/") and len(link.rsplit("/", 1)[1]) == CODE_LENGTH
        async with web.client() as browser:
            for _ in range(3):
                async with browser.get(
                    link, allow_redirects=False, headers={"User-Agent": BROWSER}
                ) as response:
                    assert response.status == 302
                    assert response.headers["Location"] == "https://blog.example.org/retraites?x=1"
                    assert "no-store" in response.headers["Cache-Control"]
            # Not visits: a HEAD, link previews of chat apps and networks, an HTTP library.
            async with browser.head(
                link, allow_redirects=False, headers={"User-Agent": BROWSER}
            ) as response:
                assert response.status == 302
            for agent in (
                "TelegramBot (like TwitterBot)",
                "Mozilla/5.0 (compatible; Discordbot/2.0)",
                "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)",
                "Bluesky Cardyb/1.1",
                "Slackbot-LinkExpanding 1.0",
                "curl/8.5",
            ):
                async with browser.get(
                    link, allow_redirects=False, headers={"User-Agent": agent}
                ) as response:
                    assert response.status == 302
        await web.server.counter.flush()
        await bot.say("#lyon", "bob", "/links")
        answer = bot.transport.texts_to("#lyon")[-1]
        assert "(1 lien) ont apporté 3 visites" in answer
        assert "https://blog.example.org/retraites" in answer
        async with bot.db.transaction() as tx:
            visits = await tx.links.visits_by_owner("nothing")
        assert visits == {}
    # One row per link and day, and no column that could hold who visited.
    found = rows(tmp_path, "SELECT * FROM link_visits")
    assert [list(row.keys()) for row in found] == [["link_id", "day", "visits"]]
    assert [(row["day"], row["visits"]) for row in found] == [(day_of(time.time()), 3)]


async def test_unknown_and_expired_codes_get_a_small_page_in_the_network_language(
    tmp_path: Path,
) -> None:
    async with web_bot(tmp_path, WebSettings(link_days=1)) as web:
        await web.bot.say("#lyon", "bob", "/join")
        await web.bot.say("#lyon", "bob", "/short https://example.org/a")
        code = web.last_link("#lyon", "/s/").rsplit("/", 1)[1]
        async with web.bot.db.transaction() as tx:
            link = await tx.links.by_code(code)
            assert link is not None and link.expires_at is not None
        async with web.client() as browser:
            for path in ("/s/zzzzzzzzzz", "/s/../../etc/passwd", "/s/" + "a" * 5000):
                async with browser.get(path, allow_redirects=False) as response:
                    assert response.status in (404, 414)
                    body = await response.text()
                    assert response.headers["Content-Type"].startswith("text/html")
                    assert "Traceback" not in body
            async with browser.get("/s/zzzzzzzzzz") as response:
                assert "Ce lien court n'existe pas" in await response.text()
            async with web.bot.db.transaction() as tx:
                await tx._conn.execute("UPDATE short_links SET expires_at = 1")  # type: ignore[attr-defined]
            web.server._redirects._cache._links.clear()
            async with browser.get(f"/s/{code}", allow_redirects=False) as response:
                assert response.status == 404
                assert "a expiré" in await response.text()


async def test_only_web_links_are_shortened_and_members_have_an_hourly_allowance(
    tmp_path: Path,
) -> None:
    async with web_bot(tmp_path, WebSettings(links_per_member_per_hour=2)) as web:
        bot = web.bot
        await bot.say("#lyon", "bob", "/join")
        for bad, why in (
            ("javascript:alert(1)", "http://"),
            ("https://user:secret@example.org/", "mot de passe"),
            ("data:text/html,hi", "http://"),
            ("https://[::1", "pas une adresse"),
        ):
            await bot.say("#lyon", "bob", f"/short {bad}")
            assert why in bot.transport.texts_to("#lyon")[-1]
        await bot.say("#lyon", "bob", "/short https://example.org/1")
        await bot.say("#lyon", "bob", "/short https://example.org/1")  # the same link again
        await bot.say("#lyon", "bob", "/short https://example.org/2")
        await bot.say("#lyon", "bob", "/short https://example.org/3")
        answers = bot.transport.texts_to("#lyon")[-4:]
        assert answers[0].split()[2] == answers[1].split()[2]
        assert "dans l'heure" in answers[3]
        # Coordinators are not counted.
        for n in range(4):
            await bot.say("#paris", "alice", f"/short https://example.org/c{n}")
        assert all("/s/" in t for t in bot.transport.texts_to("#paris")[-4:])


def test_what_counts_as_a_visit() -> None:
    assert is_visit("GET", {"User-Agent": BROWSER})
    assert not is_visit("HEAD", {"User-Agent": BROWSER})
    assert not is_visit("GET", {"User-Agent": BROWSER, "Sec-Purpose": "prefetch"})
    assert not is_visit("GET", {})
    for agent in (
        "Twitterbot/1.0",
        "facebookexternalhit/1.1",
        "WhatsApp/2.23",
        "LinkedInBot/1.0",
        "Googlebot/2.1",
        "python-requests/2.31",
        "Mozilla/5.0 (Macintosh) AppleWebKit (KHTML, like Gecko) HeadlessChrome/120",
    ):
        assert not is_visit("GET", {"User-Agent": agent}), agent
