"""Short links for pushes: one per place a push posts to, one per member per push.

A push's posts carry a link of their own for each platform and account
(so `stats C4` reads clicks per platform), and a share kit each member's
own link (so the barometer knows whose shares brought whom: "your links
brought 212 visits"). All of a push's links share its subject (`push:3`).
Without the web server, or without a URL in the content, these return None
and the content's own URL is used everywhere.
"""

from __future__ import annotations

from bot.domain.content import Content
from bot.domain.members import Member
from bot.domain.pushes import Push
from bot.domain.web_urls import short_url
from bot.i18n import text
from bot.pushes.setup import PushSetup
from bot.store.transaction import Tx

KITS = ""
"""`visits_by_place` key of the members' own links."""


async def push_link_for(
    tx: Tx, setup: PushSetup, push: Push, content: Content, place: str, now: float
) -> str | None:
    """The short link standing for `content.url` in this push's posts on `place` (a room
    platform such as `telegram`, or an account such as `mastodon`); None: the URL itself.

    Called inside the run's transaction, before anything is posted: a link
    created here is committed with the run, and later runs reuse it.
    """
    web = setup.settings.web
    if not web.enabled or not content.url:
        return None
    link = await tx.links.mint(
        content.url, owner_id=None, now=now, scope=content.scope,
        subject=push.subject, posted_on=place,
    )
    return short_url(web.base_url, link.code)


async def share_link_for(
    tx: Tx, setup: PushSetup, push: Push, content: Content, member: Member, now: float
) -> str | None:
    """`member`'s own short link to `content.url`, for their share kit; None: the push's."""
    web = setup.settings.web
    if not web.enabled or not content.url:
        return None
    link = await tx.links.mint(
        content.url, owner_id=member.id, now=now, scope=content.scope,
        subject=push.subject,
    )
    return short_url(web.base_url, link.code)


async def link_clicks(tx: Tx, content: Content, lang: str) -> dict[str, int] | None:
    """Clicks on the content's short links, per platform and for the share kits together;
    None when it has none (no web server, or never pushed with a URL)."""
    pushes = await tx.pushes.for_content(content.id)
    found = await tx.links.visits_by_place(p.subject for p in pushes)
    if not found:
        return None
    return {
        (text(lang, "links.kits") if place == KITS else place): n for place, n in found.items()
    }
