"""Settings and fakes for the three social accounts, shared by the content tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.config import BlueskySettings, MastodonSettings, Secret, XSettings
from tests.fakes import bluesky_pds, mastodon_api, x_api
from tests.fakes.bluesky_pds import FakeBlueskyPDS
from tests.fakes.mastodon_api import FakeMastodon
from tests.fakes.x_api import FakeXAPI

ENV = {
    "MASTODON_TOKEN": mastodon_api.TOKEN,
    "BLUESKY_PASSWORD": bluesky_pds.PASSWORD,
    "X_CONSUMER_KEY": x_api.CONSUMER_KEY,
    "X_CONSUMER_SECRET": x_api.CONSUMER_SECRET,
    "X_ACCESS_TOKEN": x_api.ACCESS_TOKEN,
    "X_ACCESS_SECRET": x_api.ACCESS_SECRET,
}


@dataclass
class Fakes:
    mastodon: FakeMastodon
    bluesky: FakeBlueskyPDS
    x: FakeXAPI

    def sections(self, **x_overrides: Any) -> dict[str, dict[str, Any]]:
        """Config sections (as TOML tables) with the tokens read from `ENV`."""
        return {
            "mastodon": {
                "enabled": True,
                "base_url": self.mastodon.base_url,
                "access_token": "env:MASTODON_TOKEN",
            },
            "bluesky": {
                "enabled": True,
                "base_url": self.bluesky.base_url,
                "handle": bluesky_pds.HANDLE,
                "app_password": "env:BLUESKY_PASSWORD",
            },
            "x": {
                "enabled": True,
                "base_url": self.x.base_url,
                "consumer_key": "env:X_CONSUMER_KEY",
                "consumer_secret": "env:X_CONSUMER_SECRET",
                "access_token": "env:X_ACCESS_TOKEN",
                "access_token_secret": "env:X_ACCESS_SECRET",
                **x_overrides,
            },
        }

    def settings(self, **x_overrides: Any) -> dict[str, Any]:
        """The same, as settings objects for the in-process harness."""
        x = {
            "enabled": True,
            "base_url": self.x.base_url,
            "consumer_key": Secret(x_api.CONSUMER_KEY),
            "consumer_secret": Secret(x_api.CONSUMER_SECRET),
            "access_token": Secret(x_api.ACCESS_TOKEN),
            "access_token_secret": Secret(x_api.ACCESS_SECRET),
            **x_overrides,
        }
        return {
            "mastodon": MastodonSettings(
                enabled=True,
                base_url=self.mastodon.base_url,
                access_token=Secret(mastodon_api.TOKEN),
            ),
            "bluesky": BlueskySettings(
                enabled=True,
                base_url=self.bluesky.base_url,
                handle=bluesky_pds.HANDLE,
                app_password=Secret(bluesky_pds.PASSWORD),
            ),
            "x": XSettings(**x),
        }


@asynccontextmanager
async def social_fakes(**mastodon: Any) -> AsyncIterator[Fakes]:
    async with AsyncExitStack() as stack:
        yield Fakes(
            await stack.enter_async_context(FakeMastodon(**mastodon)),
            await stack.enter_async_context(FakeBlueskyPDS()),
            await stack.enter_async_context(FakeXAPI()),
        )
