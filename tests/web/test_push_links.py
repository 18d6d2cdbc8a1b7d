"""Pushes and share kits carry short links: clicks per platform, visits per sharer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import WebSettings
from tests.content.conftest import push_network

pytestmark = pytest.mark.both_engines

LINK = re.compile(r"http://127\.0\.0\.1:8080/s/([a-z0-9]{10})")


async def test_each_place_a_push_posts_to_and_each_sharer_get_their_own_link(
    tmp_path: Path,
) -> None:
    async with push_network(tmp_path, web=WebSettings(enabled=True)) as net:
        await net.say("#paris", "paul", "/submit Le vrai chiffre https://blog.example.org/vrai")
        await net.say("@nadia", "nadia", "/approve C1")
        await net.say("#paris", "claire", "/push C1 in 5s to rooms mastodon")
        await net.say("#paris", "bob", "/share P1")
        await net.later(5)
        room_code = LINK.search(net.texts("#paris")[-2])
        mastodon = LINK.search(net.fakes.mastodon.statuses[0]["content"])
        kit = LINK.search("\n".join(net.texts("bob")))
        assert room_code and mastodon and kit
        codes = {room_code.group(1), mastodon.group(1), kit.group(1)}
        assert len(codes) == 3
        async with net.bot.db.transaction() as tx:
            ids = {c: (await tx.links.by_code(c)) for c in codes}
            await tx.links.add_visits(
                {
                    (ids[mastodon.group(1)].id, 20000): 5,  # type: ignore[union-attr]
                    (ids[kit.group(1)].id, 20000): 7,  # type: ignore[union-attr]
                }
            )
        stats = "\n".join(await net.say("#paris", "claire", "/stats C1"))
        assert "mastodon 5" in stats and "kits de partage 7" in stats
        answer = "\n".join(await net.say("#paris", "claire", "/links C1"))
        assert "Liens de C1 : 12 visites." in answer
        assert "P1 — publications : fake 0, mastodon 5 ; kits de partage : 7" in answer
        assert "bob 7" in answer
        assert "(1 lien) ont apporté 7 visites" in (await net.say("#lyon", "bob", "/links"))[0]
        # A member outside the content's scope does not read its figures.
        assert "coordinat" in (await net.say("#lyon", "bob", "/links C1"))[0]
        assert "links mine ou links C4" in (await net.say("#lyon", "bob", "/links tout"))[0]
