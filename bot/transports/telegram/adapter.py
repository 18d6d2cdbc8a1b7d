"""The Telegram transport, on python-telegram-bot's `Application`.

The library does not own the event loop: we never call `run_polling`. Start is
`initialize` (getMe: the token is checked here), `start` (the update
processor), then `updater.start_polling` or our webhook endpoint; stop is the
reverse. Sending goes straight through `Bot`; pacing and retries are the
delivery engine's job, so no PTB rate limiter is installed and nothing is
retried here except a send into a group that just became a supergroup.

Every request's outcome feeds `link_up` (see `link.py`); when nothing else
asks the Bot API anything (a webhook with no traffic, or while it fails), a
getMe every few seconds tells whether it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telegram import InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import ChatMigrated, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import TelegramSettings
from bot.domain.messages import IncomingMessage, OutgoingMessage, SentRef, Target
from bot.transports.base import (
    Inbox,
    PlatformLimits,
    SentPart,
    TransportStartError,
    Undeliverable,
)
from bot.transports.telegram.errors import (
    EDIT_TARGET_GONE,
    NOT_MODIFIED,
    map_error,
)
from bot.transports.telegram.http import AiohttpRequest
from bot.transports.telegram.inbound import PLATFORM, ChatMoved, parse_address, parse_update
from bot.transports.telegram.link import LinkHealth, ObservedRequest
from bot.transports.telegram.menu import MenuCommand, register_menu
from bot.transports.telegram.render import MAX_TEXT_UTF16, keyboard, render_chunks, utf16_len
from bot.transports.telegram.webhook import WebhookServer, webhook_secret

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
MAX_CAPTION_UTF16 = 1024
DEEP_LINK = "https://t.me/{bot}?start={payload}"
START_ATTEMPTS = 3
STOP_POLL_SECONDS = 2.0
"""How long a stop waits for the last getUpdates (which confirms what was received)."""
MIN_UPLOAD_SECONDS = 60.0
MIN_UPLOAD_RATE = 1_000_000
"""Bytes/s an upload must keep up: a 2 GB clip may take 2,000 s before it times out."""
PROBE_EVERY_SECONDS = 5.0
"""How often the link is looked at; a getMe is sent when it is failing or idle."""
IDLE_PROBE_SECONDS = 60.0
"""With no answer from the Bot API for this long (a quiet webhook), a getMe asks."""


def telegram_limits(settings: TelegramSettings) -> PlatformLimits:
    return PlatformLimits(
        max_text_length=MAX_TEXT_UTF16,
        global_rate=settings.max_rate,
        per_chat_rate=settings.per_chat_rate,
        per_group_per_minute=settings.per_group_per_minute,
        can_edit=True,
        has_buttons=True,
        can_upload=True,
        can_send_files=True,
        dm_without_prompt=False,
        command_prefix="/",
        dm_link_template=DEEP_LINK,
        # Enough concurrent requests to fill the rate across a ~100 ms round trip.
        max_in_flight=max(8, min(128, int(settings.max_rate // 8))),
    )


def _quiet_http_logs() -> None:
    """httpx logs every request at INFO, long polls included, with the token in the URL.

    The log filter masks the token, but one line per poll drowns the log. Left
    alone when the operator configured that logger.
    """
    httpx_log = logging.getLogger("httpx")
    if httpx_log.level == logging.NOTSET:
        httpx_log.setLevel(logging.WARNING)


class TelegramTransport:
    platform = PLATFORM

    def __init__(
        self,
        settings: TelegramSettings,
        *,
        menu: Sequence[MenuCommand] = (),
        default_lang: str = "fr",
    ) -> None:
        # PTB 22 warns when retry_after & co. are read as ints; opt in to timedeltas
        # (read at call time, so this covers every later RetryAfter).
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        if settings.token is None or not settings.token.value:
            raise TransportStartError("telegram.token: required when telegram.enabled is true")
        if any(char.isspace() for char in settings.token.value):
            # Typically a trailing newline from `cat token.txt`: say so rather than
            # fail later with a confusing URL error.
            raise TransportStartError("telegram.token: contains a space or a line break")
        self._settings = settings
        self._token = settings.token.value
        self.limits = telegram_limits(settings)
        self._menu = tuple(menu)
        self._default_lang = default_lang
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._inbox: Inbox | None = None
        self._username: str | None = None
        self._webhook: WebhookServer | None = None
        self.max_upload_bytes = settings.max_upload_mb * 1024 * 1024
        self.link = LinkHealth()
        self.probe_every = PROBE_EVERY_SECONDS
        self.idle_probe = IDLE_PROBE_SECONDS
        self._watcher: asyncio.Task[None] | None = None

    @property
    def link_up(self) -> bool:
        """The Bot API answers (polls, sends, probes), or has failed for only a moment."""
        return self.link.up

    @property
    def bot_username(self) -> str | None:
        return self._username

    @property
    def webhook_port(self) -> int | None:
        return self._webhook.port if self._webhook is not None else None

    def _build(self) -> tuple[Application[Any, Any, Any, Any, Any, Any], tuple[BaseRequest, ...]]:
        """The Application, and its two HTTP clients (ours to close if initialize fails)."""
        settings = self._settings
        timeout = settings.request_timeout
        calls = AiohttpRequest(
            connection_pool_size=64,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            media_write_timeout=max(timeout, 60.0),
        )
        polls = HTTPXRequest(connection_pool_size=1, connect_timeout=timeout, read_timeout=timeout)
        app = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(settings.base_url)
            .base_file_url(settings.base_file_url)
            .request(ObservedRequest(calls, self.link))
            .get_updates_request(ObservedRequest(polls, self.link, keep_polling=True))
            .job_queue(None)  # schedules are ours (rows in the store), not PTB's
            .build()
        )
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        return app, (calls, polls)

    async def start(self, inbox: Inbox) -> None:
        _quiet_http_logs()
        self._inbox = inbox
        app = await self._initialize()
        self._app = app
        self._username = app.bot.username
        try:
            await app.start()
            if self._menu and self._settings.set_commands:
                await register_menu(app.bot, self._menu, self._default_lang)
            if self._settings.webhook_url:
                await self._start_webhook(app)
            else:
                assert app.updater is not None
                await app.updater.start_polling(
                    timeout=int(self._settings.poll_timeout),
                    allowed_updates=list(ALLOWED_UPDATES),
                    bootstrap_retries=START_ATTEMPTS,
                    error_callback=self._on_poll_error,
                )
        except TelegramError as error:
            await self.stop()
            raise TransportStartError(
                f"telegram: could not start receiving updates: {error}"
            ) from None
        except BaseException:
            await self.stop()
            raise
        self._watcher = asyncio.create_task(self._watch(), name="telegram-link")
        log.info(
            "telegram: connected as @%s (%s)",
            self._username,
            "webhook" if self._settings.webhook_url else "long polling",
        )

    async def start_sending(self) -> None:
        """Sends only (a delivery worker): getMe, no polling, no webhook, no menu."""
        _quiet_http_logs()
        app = await self._initialize()
        self._app = app
        self._username = app.bot.username
        self._watcher = asyncio.create_task(self._watch(), name="telegram-link")
        log.info("telegram: sending as @%s (no updates received here)", self._username)

    async def _initialize(self) -> Application[Any, Any, Any, Any, Any, Any]:
        """getMe, with a few tries on network errors; a refused token stops here."""
        for attempt in range(1, START_ATTEMPTS + 1):
            app, requests = self._build()
            try:
                await app.initialize()
                return app
            except InvalidToken:
                problem = (
                    "telegram.token: the Telegram server refused this token "
                    "(check the token BotFather gave you, and telegram.base_url)"
                )
            except NetworkError as error:
                problem = f"telegram.base_url: cannot reach the Telegram Bot API ({error})"
            # initialize() failed half-way: the HTTP clients are open, the app thinks not.
            for request in requests:
                await request.shutdown()
            if problem.startswith("telegram.token") or attempt == START_ATTEMPTS:
                raise TransportStartError(problem)
            log.warning("telegram: getMe failed (%s); retrying", problem)
            await asyncio.sleep(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _start_webhook(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        url = self._settings.webhook_url
        assert url is not None
        secret = webhook_secret(self._token)
        self._webhook = WebhookServer(app, url, self._settings.listen, secret)
        await self._webhook.start()
        await app.bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )

    async def _watch(self) -> None:
        """Ask the Bot API (getMe) when it has been failing or silent: a webhook with no
        traffic, or a bot whose calls failed and nothing since has said it is back."""
        while True:
            await asyncio.sleep(self.probe_every)
            link, app = self.link, self._app
            if app is None:
                return
            if link.failing or link.idle_for() >= self.idle_probe:
                try:
                    await app.bot.get_me()
                except TelegramError as error:
                    log.debug("telegram: getMe probe failed: %s", error)

    async def stop(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        app, self._app = self._app, None
        if app is None:
            return
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if app.updater is not None and app.updater.running:
            # The updater's last getUpdates confirms the updates received; on a slow Bot
            # API it can take the whole request timeout, and a stop must stay short.
            try:
                await asyncio.wait_for(app.updater.stop(), STOP_POLL_SECONDS)
            except TimeoutError:
                log.warning(
                    "telegram: the Bot API did not confirm the last updates within %.0fs; "
                    "they may be received again at the next start (and skipped there)",
                    STOP_POLL_SECONDS,
                )
        if app.running:
            await app.stop()
        await app.shutdown()
        log.info("telegram: stopped")

    # -- inbound -----------------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inbox = self._inbox
        if inbox is None:
            return
        event = parse_update(update)
        if isinstance(event, IncomingMessage) and not self._settings.webhook_url:
            # Long polling gets updates in order, one at a time, and may get them again after
            # a stop that cut its last request: numbered, the dispatcher skips those it saw.
            # (A webhook may be called for several chats at once, out of order.)
            event = dataclasses.replace(event, update_id=update.update_id)
        query = update.callback_query
        if query is not None:
            # Stop the client's spinner first: the answer to the command comes as a message.
            try:
                await query.answer()
            except TelegramError as error:
                log.info("telegram: could not answer callback query: %s", error)
        if isinstance(event, ChatMoved):
            log.info("telegram: chat %s became %s", event.old_chat_id, event.new_chat_id)
            await inbox.chat_moved(PLATFORM, event.old_chat_id, event.new_chat_id)
        elif event is not None:
            await inbox.handle(event)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error(
            "telegram: error while handling an update",
            exc_info=context.error,
        )

    @staticmethod
    def _on_poll_error(error: TelegramError) -> None:
        log.warning("telegram: polling failed, retrying: %s", error)

    # -- outbound ----------------------------------------------------------------------------

    def _bot(self) -> Any:
        if self._app is None:
            raise TransportStartError("telegram: transport not started")
        return self._app.bot

    def measure(self, message: OutgoingMessage) -> int:
        """Telegram counts its 4,096 limit in UTF-16 code units of the visible text."""
        return utf16_len(message.text)

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        if message.video is not None:
            return await self.send_video(target, Path(message.video), message)
        if message.document is not None:
            return await self.send_document(target, Path(message.document), message)
        first = await self.send_part(target, message, 0)
        ref = first.ref
        for index in range(1, first.parts):
            part = await self.send_part(Target(PLATFORM, target.kind, ref.chat_id), message, index)
            ref = SentRef(PLATFORM, ref.chat_id, ref.message_ids + part.ref.message_ids)
        return ref

    async def send_part(self, target: Target, message: OutgoingMessage, index: int) -> SentPart:
        """One chunk of the message (the buttons go under the last one)."""
        if message.video is not None:
            if index:
                return SentPart(SentRef(PLATFORM, target.address, ()), 1)
            return SentPart(await self.send_video(target, Path(message.video), message), 1)
        if message.document is not None:
            if index:
                return SentPart(SentRef(PLATFORM, target.address, ()), 1)
            document = Path(message.document)
            return SentPart(await self.send_document(target, document, message), 1)
        chunks = render_chunks(message.spans) or ["…"]
        if index >= len(chunks):
            return SentPart(SentRef(PLATFORM, target.address, ()), len(chunks))
        markup = keyboard(message.buttons) if index == len(chunks) - 1 else None
        address = target.address
        try:
            message_id = await self._send_chunk(address, chunks[index], markup)
        except ChatMigrated as moved:
            new_address = str(moved.new_chat_id)
            log.info("telegram: %s moved to %s; sending there", address, new_address)
            if self._inbox is not None:
                await self._inbox.chat_moved(PLATFORM, address, new_address)
            address = new_address
            try:
                message_id = await self._send_chunk(address, chunks[index], markup)
            except TelegramError as error:
                raise map_error(error) from None
        except TelegramError as error:
            raise map_error(error) from None
        return SentPart(SentRef(PLATFORM, address, (message_id,)), len(chunks))

    async def _send_chunk(self, address: str, chunk: str, markup: Any) -> str:
        chat_id, topic = parse_address(address)
        sent: Message = await self._bot().send_message(
            chat_id=chat_id,
            text=chunk,
            parse_mode=ParseMode.HTML,
            message_thread_id=topic,
            reply_markup=markup,
        )
        return str(sent.message_id)

    async def send_video(self, target: Target, path: Path, caption: OutgoingMessage) -> SentRef:
        """Upload a clip with its caption (cut to Telegram's 1,024 units), streamed from disk."""
        return await self._upload(target, path, caption, video=True)

    async def send_document(
        self, target: Target, path: Path, caption: OutgoingMessage
    ) -> SentRef:
        """A file (a data export) as a document, with its caption, streamed from disk."""
        return await self._upload(target, path, caption, video=False)

    async def _upload(
        self, target: Target, path: Path, caption: OutgoingMessage, *, video: bool
    ) -> SentRef:
        """sendVideo or sendDocument. The open file goes to the HTTP client as is
        (`read_file_handle=False`), which sends it in small chunks: memory does not grow
        with the file's size or with the number of uploads in flight (a local Bot API
        server takes 2 GB files). A file over `max_upload_bytes` (or gone) is refused
        with Undeliverable: it is no fault of the chat and retrying cannot help.
        """
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
        except OSError as error:
            raise Undeliverable(f"{path.name}: {error.strerror or error}") from None
        if size > self.max_upload_bytes:
            raise Undeliverable(f"{path.name}: {size} bytes, over telegram.max_upload_mb")
        chat_id, topic = parse_address(target.address)
        text = render_chunks(caption.spans, MAX_CAPTION_UTF16)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except OSError as error:
            raise Undeliverable(f"{path.name}: {error.strerror or error}") from None
        common: dict[str, Any] = {
            "chat_id": chat_id,
            "caption": text[0] if text else None,
            "parse_mode": ParseMode.HTML,
            "message_thread_id": topic,
            "reply_markup": keyboard(caption.buttons),
            "write_timeout": max(MIN_UPLOAD_SECONDS, size / MIN_UPLOAD_RATE),
        }
        upload = InputFile(handle, filename=path.name, read_file_handle=False)
        try:
            if video:
                sent: Message = await self._bot().send_video(
                    video=upload, supports_streaming=True, **common
                )
            else:
                sent = await self._bot().send_document(document=upload, **common)
        except TelegramError as error:
            raise map_error(error) from None
        finally:
            handle.close()
        return SentRef(PLATFORM, target.address, (str(sent.message_id),))

    async def edit(self, ref: SentRef, message: OutgoingMessage) -> None:
        for index in range(len(ref.message_ids)):
            await self.edit_part(ref, message, index)

    async def edit_part(self, ref: SentRef, message: OutgoingMessage, index: int) -> None:
        """Part `index` of a sent message shows its chunk of the new text; a part the new
        text no longer needs shows "…"; the buttons go under the last part."""
        if index >= len(ref.message_ids):
            return
        chat_id, _ = parse_address(ref.chat_id)
        chunks = render_chunks(message.spans) or ["…"]
        last = index == len(ref.message_ids) - 1
        if last and len(chunks) > len(ref.message_ids):
            log.warning(
                "telegram: edit of %s in %s is longer than the original; tail left out",
                ref.message_ids[0],
                ref.chat_id,
            )
        message_id = ref.message_ids[index]
        try:
            await self._bot().edit_message_text(
                chat_id=chat_id,
                message_id=int(message_id),
                text=chunks[index] if index < len(chunks) else "…",
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message.buttons) if last else None,
            )
        except ChatMigrated:
            log.info("telegram: %s became a supergroup; old messages stay as they are",
                     ref.chat_id)  # fmt: skip
        except TelegramError as error:
            text = error.message.casefold()
            if NOT_MODIFIED in text:
                return
            if any(marker in text for marker in EDIT_TARGET_GONE):
                # Deleted in the chat: nothing to correct, and the chat itself is fine.
                log.info("telegram: message %s in %s is gone; edit skipped", message_id,
                         ref.chat_id)  # fmt: skip
                return
            raise map_error(error) from None
