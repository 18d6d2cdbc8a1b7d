"""The posters the configuration asks for, one per enabled account."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.content import Network
from bot.social.base import Poster


def build_posters(settings: Settings) -> dict[Network, Poster]:
    """Each library is imported only when its account is on."""
    timeout = settings.push.timeout
    posters: dict[Network, Poster] = {}
    if settings.mastodon.enabled:
        from bot.social.mastodon import MastodonPoster

        posters[Network.MASTODON] = MastodonPoster(settings.mastodon, timeout)
    if settings.bluesky.enabled:
        from bot.social.bluesky import BlueskyPoster

        posters[Network.BLUESKY] = BlueskyPoster(settings.bluesky, timeout)
    if settings.x.enabled:
        from bot.social.x import XPoster

        posters[Network.X] = XPoster(settings.x, timeout)
    return posters
