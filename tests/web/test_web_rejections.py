"""What the dashboard answers to requests it refuses: the right status, and a page that
says why in the viewer's language; never a 500."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fakes.web_client import lyon_and_paris, web_bot


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


async def test_refused_requests_get_their_status_and_a_readable_page(tmp_path: Path) -> None:
    async with web_bot(tmp_path) as web:
        await lyon_and_paris(web)
        await web.bot.say("#paris", "paul", "/submit Le vrai chiffre")
        alice = await web.login("alice")
        async with alice:
            async with alice.get("/dash/queue") as response:
                csrf = _csrf(await response.text())
            cases: list[tuple[str, str, dict[str, object], int]] = [
                ("POST", "/dash/queue/C1/approve", {"data": {"csrf": "forged"}}, 403),
                ("POST", "/dash/queue/zz/approve", {"data": {"csrf": csrf}}, 404),
                ("POST", "/dash/queue/C1/explode", {"data": {"csrf": csrf}}, 404),
                ("POST", "/dash/queue/C99/approve", {"data": {"csrf": csrf}}, 404),
                ("GET", "/dash/alerts/xyz", {}, 404),
                ("GET", "/dash/alerts/A99999999999999999999", {}, 404),
                ("PUT", "/dash/now", {}, 405),
                ("POST", "/dash/lang", {"data": {"csrf": csrf, "lang": "xx"}}, 400),
                ("POST", "/dash/lang", {"data": {"csrf": csrf, "back": "x" * 200_000}}, 413),
                ("GET", "/dash/now?" + "a" * 9000, {}, 414),
                ("GET", "/dash/" + "a" * 9000, {}, 414),
                (
                    "POST",
                    "/dash/queue/C1/reject",
                    {
                        "data": b"--zz\r\ngarbage",
                        "headers": {"Content-Type": "multipart/form-data; boundary=zz"},
                    },
                    400,
                ),
                (
                    "POST",
                    "/dash/queue/C1/reject",
                    {
                        "data": b"csrf=\xff\xfe&reason=\xc3",
                        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                    },
                    400,
                ),
            ]
            answers = []
            for method, path, extra, _ in cases:
                async with alice.request(
                    method, path, allow_redirects=False, **extra  # type: ignore[arg-type]
                ) as response:
                    page = await response.text()
                    readable = response.content_type == "text/html" and "<h1>" in page
                    answers.append((path[:40], response.status, readable))
            expected = [(path[:40], status, True) for _, path, _, status in cases]
            wrong = [a for a, e in zip(answers, expected, strict=True) if a != e]
            assert not wrong, str(wrong)
        async with web.bot.db.transaction() as tx:
            content = await tx.content.get(1)
        assert content is not None and content.status.value == "pending"
