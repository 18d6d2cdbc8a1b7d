"""Where short links plug in.

A push may carry a link of its own (so its clicks are counted apart), and a
share kit each member's own link (so the barometer knows who brought whom to
read it). The short-link store lives with the web server; until it is
connected these return None and the content's own URL is used everywhere.
"""

from __future__ import annotations

from bot.domain.content import Content
from bot.domain.members import Member
from bot.domain.pushes import Push
from bot.store.transaction import Tx


async def push_link_for(tx: Tx, push: Push, content: Content) -> str | None:
    """The short link standing for `content.url` in this push's posts; None: the URL itself.

    Called inside the run's transaction, before anything is posted: a link
    created here is committed with the run.
    """
    return None


async def share_link_for(tx: Tx, push: Push, content: Content, member: Member) -> str | None:
    """`member`'s own short link to `content.url`, for their share kit; None: the push's."""
    return None


async def link_clicks(tx: Tx, content: Content) -> dict[str, int] | None:
    """Clicks on the content's short links, per platform; None: not counted (no link store)."""
    return None
