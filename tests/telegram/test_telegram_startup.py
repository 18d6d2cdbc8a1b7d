"""Starting the transport: what an operator sees when the token or the server is wrong."""

from __future__ import annotations

import gc
import socket

import pytest

from bot.config import Secret, TelegramSettings
from bot.transports import TransportStartError
from bot.transports.telegram import TelegramTransport
from tests.fakes.telegram_api import FakeTelegramAPI


class _NoInbox:
    async def handle(self, message: object) -> None:
        pass

    async def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        pass


async def test_refused_token_names_the_key_and_leaves_no_connection_open(
    api: FakeTelegramAPI,
) -> None:
    settings = TelegramSettings(enabled=True, token=Secret("42:wrong"), base_url=api.base_url)
    transport = TelegramTransport(settings)
    with pytest.raises(TransportStartError, match=r"^telegram\.token: .*refused"):
        await transport.start(_NoInbox())
    await transport.stop()  # harmless after a failed start
    gc.collect()  # an unclosed HTTP client would surface here as a ResourceWarning
    assert [call.status for call in api.calls_to("getMe")] == [401]


async def test_unreachable_server_names_base_url_after_a_few_tries() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = TelegramSettings(
        enabled=True, token=Secret("42:x"), base_url=f"http://127.0.0.1:{port}/bot"
    )
    with pytest.raises(TransportStartError, match=r"^telegram\.base_url: cannot reach"):
        await TelegramTransport(settings).start(_NoInbox())
    gc.collect()


def test_token_with_a_line_break_is_refused_before_any_request() -> None:
    settings = TelegramSettings(enabled=True, token=Secret("42:abc\n"))
    with pytest.raises(TransportStartError, match=r"^telegram\.token: contains"):
        TelegramTransport(settings)
