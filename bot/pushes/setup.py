"""What push code needs to know about the network: settings, platforms, accounts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.content import DEFAULT_LIMITS, SOCIAL_NETWORKS, Network
from bot.domain.messages import Target, TargetKind
from bot.domain.tags import NATIONAL
from bot.store.transaction import Tx
from bot.transports.base import PlatformLimits

DEFAULT_VIDEO_BYTES: Mapping[Network, int] = {
    Network.MASTODON: 99_000_000,
    Network.BLUESKY: 100_000_000,
    Network.X: 512_000_000,
}


@dataclass(frozen=True, slots=True)
class PushSetup:
    settings: Settings
    limits: Mapping[str, PlatformLimits] = field(default_factory=dict)
    """Every running platform's limits (which rooms exist, which take buttons)."""

    @property
    def default_lang(self) -> str:
        return self.settings.network.lang

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.network.timezone)

    @property
    def accounts(self) -> tuple[Network, ...]:
        """The social accounts configured, in a fixed order."""
        on = {
            Network.MASTODON: self.settings.mastodon.enabled,
            Network.BLUESKY: self.settings.bluesky.enabled,
            Network.X: self.settings.x.enabled,
        }
        return tuple(n for n in SOCIAL_NETWORKS if on[n])

    def account_scope(self, network: Network) -> str:
        section = {
            Network.MASTODON: self.settings.mastodon.scope,
            Network.BLUESKY: self.settings.bluesky.scope,
            Network.X: self.settings.x.scope,
        }
        return section.get(network, NATIONAL)

    @property
    def checked_networks(self) -> tuple[Network, ...]:
        """Where approved content may be published: the accounts and the chat platforms on."""
        found = list(self.accounts)
        for network in (Network.TELEGRAM, Network.DISCORD):
            if network.value in self.limits:
                found.append(network)
        return tuple(found)

    def channels(self) -> list[Target]:
        """The configured channels of the platforms running."""
        push = self.settings.push
        found: list[Target] = []
        if "telegram" in self.limits:
            found += [Target("telegram", TargetKind.ROOM, c) for c in push.telegram_channels]
        if "discord" in self.limits:
            found += [Target("discord", TargetKind.ROOM, c) for c in push.discord_channels]
        return found

    @property
    def has_channels(self) -> bool:
        push = self.settings.push
        return bool(push.telegram_channels or push.discord_channels)


async def length_limits(tx: Tx, setup: PushSetup) -> dict[Network, int]:
    """Each network's maximum length: the configuration, else what the server said."""
    limits = dict(DEFAULT_LIMITS)
    told = await tx.pushes.limits()
    configured = setup.settings.mastodon.max_characters
    if configured:
        limits[Network.MASTODON] = configured
    elif (found := told.get(Network.MASTODON)) is not None and found[0]:
        limits[Network.MASTODON] = found[0]
    return limits


async def video_limits(tx: Tx, setup: PushSetup) -> dict[Network, int]:
    limits = dict(DEFAULT_VIDEO_BYTES)
    limits[Network.BLUESKY] = setup.settings.bluesky.max_video_mb * 1_000_000
    limits[Network.X] = setup.settings.x.max_video_mb * 1_000_000
    for network, (_, video) in (await tx.pushes.limits()).items():
        if video:
            limits[network] = video
    return limits
