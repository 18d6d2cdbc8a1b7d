"""The Discord transport: discord.py's client, started and stopped by us.

The library does not own the event loop: `start()` logs in (REST, so a bad
token is a clear error at once), syncs the slash commands, then runs
`client.connect()` in a task of our own; `stop()` closes the client. The
gateway reconnects and resumes by itself; deliveries never depend on it (they
are REST calls), and the outbox keeps every row until a send succeeds.

Discord forbids unsolicited mass DMs: members who follow a scope on Discord
are notified by an opt-in role per scope, mentioned in the alert posted to
the channel (`notify_by_dm=False` below), and `allowed_mentions` never lets
relayed text ping anyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from bot.commands.registry import Registry
from bot.config import DiscordSettings
from bot.domain.messages import OutgoingMessage, SentRef, Target, TargetKind
from bot.transports.base import (
    DeliveryError,
    Inbox,
    PlatformLimits,
    SentPart,
    TransientError,
    TransportStartError,
    Undeliverable,
)
from bot.transports.discord.errors import map_error
from bot.transports.discord.inbound import PLATFORM, from_interaction, from_message, slash_text
from bot.transports.discord.render import (
    CARD_COLOUR,
    CUSTOM_ID_PREFIX,
    MAX_EMBEDS,
    Card,
    Cards,
    Chunk,
    Panel,
    allowed_mentions,
    button_custom_id,
    button_label,
    escape_user_text,
    render_card,
    render_cards,
    render_chunks,
    render_markdown,
)
from bot.transports.discord.slash import build_commands

log = logging.getLogger(__name__)

DISCORD_LIMITS = PlatformLimits(
    max_text_length=2000,
    global_rate=50.0,  # discord.py only reacts to 429s; the engine paces under the global cap
    per_chat_rate=1.0,  # 5 messages per 5 s per channel
    can_edit=True,
    has_buttons=True,
    can_upload=True,
    can_send_files=True,
    dm_without_prompt=True,
    command_prefix="/",
    notify_by_dm=False,
    max_merged=MAX_EMBEDS,
)

CONNECT_WAIT_SECONDS = 30.0
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""Discord's attachment limit for bots in servers without boosts (10 MiB since 2024);
`[discord] max_upload_mb` raises it for boosted servers."""
MAX_RATELIMIT_WAIT = 30.0
"""429s asking for longer than this come back as RateLimited and the outbox waits instead."""

RoleLookup = Callable[[tuple[str, ...]], Awaitable[tuple[str, ...]]]
"""Scope tags -> ids of the Discord roles to mention (the opt-in roles of those scopes)."""


class DiscordStartError(TransportStartError):
    """Discord refused to start: a bad token, an unreachable API. The message says which."""


class CommandButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(CUSTOM_ID_PREFIX) + r"(?P<command>.+)",
):
    """A button whose custom id is the command it stands for: valid across restarts."""

    def __init__(self, label: str, command: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=CUSTOM_ID_PREFIX + command,
            )
        )
        self.command = command

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CommandButton:
        label = getattr(item, "label", None) or match["command"]
        return cls(str(label), match["command"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client = interaction.client
        if isinstance(client, _Client):
            await client.transport.on_button(interaction, self.command)


class _Client(discord.Client):
    def __init__(self, transport: DiscordTransport, **options: Any) -> None:
        super().__init__(**options)
        self.transport = transport

    async def on_connect(self) -> None:
        self.transport.connected.set()

    async def on_disconnect(self) -> None:
        # discord.py reconnects by itself; until then the gateway is down.
        self.transport.connected.clear()

    async def on_resumed(self) -> None:
        log.info("discord gateway resumed")

    async def on_message(self, message: discord.Message) -> None:
        await self.transport.on_message(message)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.application_command:
            await self.transport.on_slash(interaction)


def _cards_of(message: OutgoingMessage, roles: tuple[str, ...]) -> Cards | None:
    """The message as embeds, when it is a card or merged messages holding cards."""
    if message.sections:
        return render_cards(message, roles)
    card = render_card(message, roles)
    if card is None:
        return None
    return Cards(card.content, (Panel(card.description, card.title),), card.buttons)


def _embed(card: Card | Panel) -> discord.Embed:
    if card.title is None:
        return discord.Embed(description=card.description)
    return discord.Embed(title=card.title, description=card.description, colour=CARD_COLOUR)


def point_library_at(api_base: str) -> None:
    """Send discord.py's REST calls (interactions and webhooks included) to `api_base`.

    `Route.BASE` is a class attribute read when each route is built: this is
    process-wide, which is fine with one Discord client per process.
    """
    discord.http.Route.BASE = api_base.rstrip("/")


class DiscordTransport:
    platform = PLATFORM
    limits = DISCORD_LIMITS

    def __init__(
        self,
        settings: DiscordSettings,
        registry: Registry,
        role_lookup: RoleLookup | None = None,
    ) -> None:
        self._settings = settings
        self._registry = registry
        self._role_lookup = role_lookup
        self._guilds = frozenset(settings.guilds)
        self._client: _Client | None = None
        self._inbox: Inbox | None = None
        self._task: asyncio.Task[None] | None = None
        self._dm_channels: dict[str, int] = {}
        self.connected = asyncio.Event()
        self._gateway_failure: str | None = None
        self.max_upload_bytes = settings.max_upload_mb * 1024 * 1024

    @property
    def link_up(self) -> bool:
        """Connected to the gateway now."""
        return self.connected.is_set()

    @property
    def bot_username(self) -> str | None:
        if self._client is None or self._client.user is None:
            return None
        return self._client.user.name

    def _intents(self) -> discord.Intents:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.dm_messages = True
        # Reading `!cmd` in channels needs the privileged Message Content intent.
        intents.guild_messages = self._settings.message_content
        intents.message_content = self._settings.message_content
        return intents

    async def start_sending(self) -> None:
        """Sends only (a delivery worker): REST API login, no gateway, no command sync."""
        client = await self._login()
        self._client = client
        log.info("discord: sending through the REST API (no gateway here)")

    async def start(self, inbox: Inbox) -> None:
        self._inbox = inbox
        client = await self._login()
        await self._use_advertised_gateway(client)
        await self._sync_commands(client)
        self._task = asyncio.create_task(self._run_gateway(client), name="discord-gateway")
        waiter = asyncio.create_task(self.connected.wait())
        done, _ = await asyncio.wait(
            {self._task, waiter}, timeout=CONNECT_WAIT_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        if self._task in done:
            # The gateway gave up before READY: a refused token or a missing intent.
            await client.close()
            raise DiscordStartError(self._gateway_failure or "discord: the gateway closed")
        if waiter not in done:
            log.warning(
                "discord gateway not connected after %.0fs; still trying", CONNECT_WAIT_SECONDS
            )
        else:
            log.info("discord connected as %s", self.bot_username)

    async def _login(self) -> _Client:
        """The client, logged in to the REST API (the token is checked here)."""
        token = self._settings.token.value if self._settings.token else ""
        point_library_at(self._settings.api_base)
        # We never join voice: skip discord.py's start-up warnings about voice libraries.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        client = _Client(
            self,
            intents=self._intents(),
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        client.add_dynamic_items(CommandButton)
        self._client = client
        try:
            await client.login(token)
        except discord.LoginFailure:
            await client.close()
            raise DiscordStartError(
                "discord: the bot token was refused (401); check discord.token "
                "(the Bot token from the developer portal)"
            ) from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            await client.close()
            raise DiscordStartError(
                f"discord: cannot reach {self._settings.api_base}: {type(error).__name__}"
            ) from None
        return client

    async def _use_advertised_gateway(self, client: _Client) -> None:
        """Connect where the API says the gateway is (a plain client would assume Discord's)."""
        try:
            _, url, _ = await client.http.get_bot_gateway()
        except discord.GatewayNotFound:
            log.warning("discord: no gateway advertised by the API; using the default")
            return
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def _sync_commands(self, client: _Client) -> None:
        payload = build_commands(self._registry.commands())
        app_id = client.application_id
        if app_id is None:
            log.warning("discord: no application id; slash commands not synced")
            return
        try:
            if self._guilds:
                for guild_id in sorted(self._guilds):
                    await client.http.bulk_upsert_guild_commands(app_id, guild_id, payload)
            else:
                await client.http.bulk_upsert_global_commands(app_id, payload)
        except discord.HTTPException as error:
            # Prefix commands still work; the README says which scope the invite needs.
            log.error(
                "discord: slash commands not synced (%s %s); invite the bot with the "
                "applications.commands scope",
                error.status,
                (error.text or "")[:120],
            )
            return
        log.info(
            "discord: %d slash commands synced (%s)",
            len(payload),
            "guilds " + ", ".join(map(str, sorted(self._guilds))) if self._guilds else "global",
        )

    async def _run_gateway(self, client: _Client) -> None:
        try:
            await client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            self._gateway_failure = (
                "discord: the Message Content intent is not enabled for this bot; enable it "
                "in the developer portal (Bot page) or set discord.message_content = false"
            )
        except discord.ConnectionClosed as error:
            self._gateway_failure = f"discord: the gateway closed for good (code {error.code})"
            if error.code == 4004:
                self._gateway_failure = "discord: the gateway refused the bot token (4004)"
        except Exception as error:
            log.exception("discord gateway stopped")
            self._gateway_failure = f"discord: the gateway stopped ({type(error).__name__})"
        if self._gateway_failure:
            log.error("%s", self._gateway_failure)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- inbound -----------------------------------------------------------------

    def _allowed_guild(self, guild_id: int | None) -> bool:
        return guild_id is None or not self._guilds or guild_id in self._guilds

    async def on_message(self, message: discord.Message) -> None:
        guild_id = message.guild.id if message.guild is not None else None
        if self._inbox is None or not self._allowed_guild(guild_id):
            return
        incoming = from_message(message, prefix_commands=self._settings.message_content)
        if incoming is not None:
            await self._inbox.handle(incoming)

    async def on_slash(self, interaction: discord.Interaction[Any]) -> None:
        text = slash_text(interaction.data)
        if self._inbox is None or text is None or not self._allowed_guild(interaction.guild_id):
            return
        incoming = from_interaction(interaction, text)
        if incoming is None:
            return
        # Answer within Discord's 3 s: a private echo of what was received. The command's
        # own answer is an outbox row, posted to the channel like any other reply.
        try:
            await interaction.response.send_message(
                escape_user_text(text)[:2000],
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as error:
            log.warning("discord: could not answer interaction %s: %s", interaction.id, error)
        await self._inbox.handle(incoming)

    async def on_button(self, interaction: discord.Interaction[Any], command: str) -> None:
        if self._inbox is None or not self._allowed_guild(interaction.guild_id):
            return
        incoming = from_interaction(interaction, command)
        if incoming is None:
            return
        try:
            await interaction.response.defer()  # acknowledged, message left as it is
        except discord.HTTPException as error:
            log.warning("discord: could not answer interaction %s: %s", interaction.id, error)
        await self._inbox.handle(incoming)

    # -- outbound ----------------------------------------------------------------

    def _require_client(self) -> _Client:
        if self._client is None or self._client.is_closed():
            raise TransientError("discord client not running")
        return self._client

    async def _channel_id(self, client: _Client, target: Target) -> int:
        if target.kind is TargetKind.ROOM:
            return int(target.address)
        cached = self._dm_channels.get(target.address)
        if cached is None:
            channel = await client.create_dm(discord.Object(int(target.address)))
            cached = self._dm_channels[target.address] = channel.id
        return cached

    async def _roles_for(self, target: Target, message: OutgoingMessage) -> tuple[str, ...]:
        if not message.mention_tags or target.kind is not TargetKind.ROOM:
            return ()
        if self._role_lookup is None:
            return ()
        return await self._role_lookup(message.mention_tags)

    @staticmethod
    def _view(chunk: Chunk | Card | Cards) -> discord.ui.View | None:
        if not chunk.buttons:
            return None
        view = discord.ui.View(timeout=None)
        for button in chunk.buttons:
            if button_custom_id(button) is not None:
                view.add_item(CommandButton(button_label(button), button.command))
        return view

    async def _upload(
        self,
        channel: Any,
        message: OutgoingMessage,
        roles: tuple[str, ...],
        mentions: discord.AllowedMentions,
    ) -> SentRef:
        """A clip (or a data export) as an attachment, its caption as the message text,
        streamed from disk.

        discord.py hands the open file to aiohttp, which reads it in 64 KiB chunks
        as it sends: memory does not grow with the file or with uploads in flight.
        """
        path = Path(message.video or message.document or "")
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
        except OSError as error:
            raise Undeliverable(f"{path.name}: {error.strerror or error}") from None
        if size > self.max_upload_bytes:
            raise Undeliverable(f"{path.name}: {size} bytes, over Discord's attachment limit")
        caption = render_chunks(message, roles)[0].content
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except OSError as error:
            raise Undeliverable(f"{path.name}: {error.strerror or error}") from None
        try:
            sent = await channel.send(
                caption, file=discord.File(handle, filename=path.name), allowed_mentions=mentions
            )
        finally:
            handle.close()
        return SentRef(PLATFORM, str(channel.id), (str(sent.id),))

    def measure(self, message: OutgoingMessage) -> int:
        """Discord counts its 2,000 limit on the markdown we send, escapes included."""
        return len(render_markdown(message))

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        first = await self.send_part(target, message, 0)
        ids = first.ref.message_ids
        for index in range(1, first.parts):
            ids += (await self.send_part(target, message, index)).ref.message_ids
        return SentRef(PLATFORM, first.ref.chat_id, ids)

    async def send_part(self, target: Target, message: OutgoingMessage, index: int) -> SentPart:
        """One Discord message of `message`: a card, an upload, or one of its text chunks
        (the role mentions go in the first, the buttons under the last)."""
        client = self._require_client()
        try:
            channel_id = await self._channel_id(client, target)
            roles = await self._roles_for(target, message)
            channel = client.get_partial_messageable(channel_id)
            mentions = allowed_mentions(roles)
            nothing = SentPart(SentRef(PLATFORM, str(channel_id), ()), 1)
            if message.video is not None or message.document is not None:
                if index:
                    return nothing
                return SentPart(await self._upload(channel, message, roles, mentions), 1)
            shown = _cards_of(message, roles)
            if shown is not None:
                if index:
                    return nothing
                sent = await channel.send(
                    shown.content or None,
                    embeds=[_embed(panel) for panel in shown.panels],
                    allowed_mentions=mentions,
                    view=self._view(shown) or discord.utils.MISSING,
                )
                return SentPart(SentRef(PLATFORM, str(channel_id), (str(sent.id),)), 1)
            chunks = render_chunks(message, roles)
            if index >= len(chunks):
                return SentPart(SentRef(PLATFORM, str(channel_id), ()), len(chunks))
            chunk = chunks[index]
            view = self._view(chunk)
            if view is not None:
                sent = await channel.send(chunk.content, allowed_mentions=mentions, view=view)
            else:
                sent = await channel.send(chunk.content, allowed_mentions=mentions)
        except DeliveryError:
            raise
        except Exception as error:
            mapped = map_error(error)
            if mapped is None:
                raise
            raise mapped from error
        return SentPart(SentRef(PLATFORM, str(channel_id), (str(sent.id),)), len(chunks))

    async def edit(self, ref: SentRef, message: OutgoingMessage) -> None:
        for index in range(len(ref.message_ids)):
            await self.edit_part(ref, message, index)

    async def edit_part(self, ref: SentRef, message: OutgoingMessage, index: int) -> None:
        if index >= len(ref.message_ids):
            return
        client = self._require_client()
        chunks = render_chunks(message)
        channel = client.get_partial_messageable(int(ref.chat_id))
        try:
            card = render_card(message)
            if card is not None and len(ref.message_ids) == 1:
                await channel.get_partial_message(int(ref.message_ids[0])).edit(
                    content=card.content or None,
                    embed=_embed(card),
                    allowed_mentions=allowed_mentions(),
                    view=self._view(card),
                )
                return
            last = index == len(ref.message_ids) - 1
            if index < len(chunks):
                content = chunks[index].content
                if last and len(chunks) > len(ref.message_ids):
                    # The new text needs more messages than the old one had: keep the
                    # edit in place, cut at the limit.
                    content = "\n".join(c.content for c in chunks[index:])[:1999] + "…"
            else:
                content = "…"
            await channel.get_partial_message(int(ref.message_ids[index])).edit(
                content=content,
                embeds=[],  # a card edited into text (a cancelled alert) loses its embed
                allowed_mentions=allowed_mentions(),
                view=self._view(chunks[-1]) if last else None,
            )
        except Exception as error:
            mapped = map_error(error)
            if mapped is None:
                raise
            raise mapped from error
