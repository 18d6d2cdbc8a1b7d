"""A fake Telegram Bot API server, for running python-telegram-bot over real sockets.

It speaks enough of the Bot API (https://core.telegram.org/bots/api) for the
real `Application` to start, poll, send, edit and upload: `getMe`,
`deleteWebhook`, `setWebhook`, `getUpdates` (long polling with offset),
`sendMessage`, `editMessageText`, `answerCallbackQuery`, `setMyCommands`,
`sendVideo` and `sendDocument` (multipart), `getChat`, `sendChatAction`.

What makes it useful in tests and benchmarks:

- `inject_*` put updates in the queue the bot long-polls (group or private
  message, callback query, supergroup migration);
- every call is recorded (`calls`) with its decoded parameters, HTTP status
  and a monotonic timestamp; `wait_for` waits for a condition on them;
- `fail_next(method, kind, count, when=...)` makes the next calls (those whose
  parameters `when` accepts) fail the way Telegram does: 429 with
  `retry_after`, 502, 403 Forbidden, 400 chat not found, a slow answer, or a
  redirect loop (the client's error then quotes the URL, token included);
- `started` counts requests as they arrive, before they are answered (a slow
  answer is in flight meanwhile);
- `block_user` / `kick_from` / `migrate_chat` change what later sends get;
- `RateLimits` optionally enforces Telegram's flood limits (overall per
  second, per chat per second, per group per minute) and answers 429 when
  a client exceeds them, counting the violations;
- text is checked like Telegram checks it: HTML parse mode must be valid, and
  the visible text (after entity parsing) must fit 4,096 UTF-16 code units.

In-process use::

    async with FakeTelegramAPI() as api:
        ... ApplicationBuilder().token(api.token).base_url(api.base_url) ...

Standalone, for a bot in another process (benchmarks, kill -9 tests)::

    python -m tests.fakes.telegram_api --port 0 [--token T] [--rate-limits [--max-rate N]]

prints `PORT <n>` on its first line, then serves until killed. A controlling
process drives it over HTTP under `/_fake/`: `POST /_fake/inject` (an update
object, or `{"kind": "group_message"|"private_message"|"callback_query"|
"migrate", ...}` with the arguments of the matching method), `GET
/_fake/calls?method=sendMessage&since=0`, `POST /_fake/fail_next`
(`{"method", "kind", "count", "retry_after"}`), `POST /_fake/block_user`,
`GET /_fake/stats`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes.telegram_wire import (
    MAX_TEXT_UTF16,
    ApiError,
    Call,
    FloodLimiter,
    RateLimits,
    SentMessage,
    parse_html,
    utf16_len,
)

__all__ = [
    "DEFAULT_TOKEN",
    "MAX_TEXT_UTF16",
    "ApiError",
    "Call",
    "FakeTelegramAPI",
    "RateLimits",
    "SentMessage",
    "parse_html",
    "utf16_len",
]

DEFAULT_TOKEN = "123456:TEST-token-for-the-fake-api"
_KEPT_BYTES = 1 << 20
# Parameters PTB sends as raw strings; every other form value is JSON-encoded.
_RAW_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "language_code",
        "inline_message_id",
        "data",
        "action",
        "business_connection_id",
    }
)


@dataclass(slots=True)
class _Failure:
    kind: str
    count: int
    retry_after: int = 1
    delay: float = 0.0
    when: Callable[[dict[str, Any]], bool] | None = None
    until: asyncio.Event | None = None


@dataclass(slots=True)
class _Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data


class FakeTelegramAPI:
    """The fake server. Use `async with`, then point python-telegram-bot at `base_url`."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "riposte_test_bot",
        bot_id: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: RateLimits | None = None,
        record_calls: bool = True,
    ) -> None:
        """`record_calls=False` keeps counters only (`method_counts`, `sent_count`): for
        benchmarks of many thousands of sends, where the call log would be the cost."""
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id if bot_id is not None else int(token.split(":", 1)[0] or 1)
        self.host = host
        self.port = port
        self.rate_limits = rate_limits
        self.record_calls = record_calls
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], SentMessage] = {}
        self.sent: list[SentMessage] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook_url: str | None = None
        self.rate_limit_violations = 0
        self.sent_count = 0
        self.upload_bytes = 0
        """Bytes of uploaded files received, all uploads together."""
        self.documents: dict[tuple[int, int], tuple[str, bytes]] = {}
        """Documents sent (`sendDocument`): (chat, message id) -> (file name, its first MiB)."""
        self.first_sent_at: float | None = None
        self.last_sent_at: float | None = None
        """Monotonic times of the first and last message accepted (for rate measurements)."""
        self.method_counts: collections.Counter[str] = collections.Counter()
        self.started: collections.Counter[str] = collections.Counter()
        """Requests per method as they arrive, answered or not."""
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._kicked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._failures: dict[str, collections.deque[_Failure]] = {}
        self._limiter = FloodLimiter(rate_limits) if rate_limits else None
        self._waiters: list[asyncio.Future[None]] = []
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._clock = time.monotonic
        self._file_parts: dict[str, tuple[str, bytes]] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_route("*", "/_fake/{action}", self._control)
        self._stopping = False
        # Long polls are cut short at stop rather than awaited.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._stopping = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # -- what tests set up -------------------------------------------------------------------

    def add_user(
        self, user_id: int, first_name: str, *, username: str | None = None, lang: str = "fr"
    ) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": lang,
        }
        if username:
            user["username"] = username
        self._users[user_id] = user
        self._chats.setdefault(
            user_id, _Chat(user_id, "private", username=username, first_name=first_name)
        )
        return user

    def add_group(
        self, chat_id: int, title: str, *, supergroup: bool | None = None, forum: bool = False
    ) -> None:
        if supergroup is None:
            supergroup = chat_id < -(10**12)
        kind = "supergroup" if supergroup else "group"
        self._chats[chat_id] = _Chat(chat_id, kind, title=title, is_forum=forum)

    def block_user(self, user_id: int) -> None:
        """The user blocked the bot: private sends get 403."""
        self._blocked.add(user_id)

    def kick_from(self, chat_id: int) -> None:
        """The bot was removed from the group: sends get 403."""
        self._kicked.add(chat_id)

    def fail_next(
        self,
        method: str,
        kind: str,
        count: int = 1,
        *,
        retry_after: int = 1,
        delay: float = 0.0,
        when: Callable[[dict[str, Any]], bool] | None = None,
        until: asyncio.Event | None = None,
    ) -> None:
        """The next `count` calls of `method` ("*" for any) fail; with `when`, only calls
        whose decoded parameters it accepts (the others pass, and do not count).

        kind: "429" (with `retry_after`), "502", "forbidden", "chat_not_found",
        "slow" (answer normally after `delay` seconds, to trigger client timeouts, or once
        `until` is set),
        "redirect" (a 302 to the same URL, forever).
        """
        if kind not in ("429", "502", "forbidden", "chat_not_found", "slow", "redirect"):
            raise ValueError(f"unknown failure kind {kind!r}")
        self._failures.setdefault(method, collections.deque()).append(
            _Failure(kind, count, retry_after, delay, when, until)
        )

    def recover(self) -> None:
        """End every failure still queued by `fail_next`: an outage of unknown length is over."""
        self._failures.clear()

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet (with a later getUpdates offset)."""
        return list(self._updates)

    # -- injecting updates -------------------------------------------------------------------

    def _user(self, user_id: int) -> dict[str, Any]:
        return self._users.get(user_id) or self.add_user(user_id, f"user{user_id}")

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            self.add_group(chat_id, f"group{chat_id}")
            chat = self._chats[chat_id]
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update object (its `update_id` is assigned here)."""
        update = {**update, "update_id": next(self._update_ids)}
        self._updates.append(update)
        self._notify()
        return update

    def _message(
        self, chat: _Chat, text: str, sender: dict[str, Any] | None, **extra: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat.id),
            "date": int(time.time()),
            "chat": chat.to_json(),
            **extra,
        }
        if text:
            message["text"] = text
        if sender is not None:
            message["from"] = sender
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return message

    def group_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        sender_chat: int | None = None,
    ) -> dict[str, Any]:
        """A user (or, with `sender_chat`, a channel) writes in a group or forum topic."""
        extra: dict[str, Any] = {}
        if thread_id is not None:
            extra.update(message_thread_id=thread_id, is_topic_message=True)
        if sender_chat is not None:
            extra["sender_chat"] = self._chat(sender_chat).to_json()
        message = self._message(self._chat(chat_id), text, self._user(user_id), **extra)
        return self.inject({"message": message})

    def private_message(self, user_id: int, text: str) -> dict[str, Any]:
        user = self._user(user_id)
        chat = self._chats[user_id]
        return self.inject({"message": self._message(chat, text, user)})

    def callback_query(self, user_id: int, message: SentMessage, data: str) -> dict[str, Any]:
        """The user presses an inline button under a message the bot sent."""
        chat = self._chat(message.chat_id)
        original = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": chat.to_json(),
            "text": message.text,
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "Riposte"},
        }
        if message.reply_markup:
            original["reply_markup"] = message.reply_markup
        query = {
            "id": str(next(self._update_ids) * 7919),
            "from": self._user(user_id),
            "chat_instance": str(chat.id),
            "message": original,
            "data": data,
        }
        return self.inject({"callback_query": query})

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, *, announce: bool = True) -> None:
        """A group becomes a supergroup: sends to the old id get 400 with `migrate_to_chat_id`.

        With `announce`, the two service messages Telegram sends are queued as updates;
        without, the bot learns of it only when a send fails.
        """
        old = self._chat(old_chat_id)
        new = _Chat(new_chat_id, "supergroup", title=old.title)
        self._chats[new_chat_id] = new
        self._migrated[old_chat_id] = new_chat_id
        if announce:
            self.inject({"message": self._message(old, "", None, migrate_to_chat_id=new_chat_id)})
            self.inject({"message": self._message(new, "", None, migrate_from_chat_id=old_chat_id)})

    # -- looking at what the bot did ---------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Wait until `predicate()` is truthy (checked after every call); return its value."""
        async with asyncio.timeout(timeout):
            while True:
                value = predicate()
                if value or self._stopping:
                    return value
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                await waiter

    # -- the API -----------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], tuple[str, ...]]:
        params: dict[str, Any] = dict(request.query)
        files: list[str] = []
        if request.content_type == "application/json":
            params.update(await request.json())
            return params, ()
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue  # a nested multipart: PTB never sends one
                name = part.name or ""
                if part.filename:
                    # Drained in chunks, as a real server would: never whole in memory
                    # (the first MiB is kept, for tests that read a document back).
                    kept = bytearray()
                    limit = _KEPT_BYTES if name == "document" else 0
                    while chunk := await part.read_chunk(1 << 16):
                        self.upload_bytes += len(chunk)
                        if len(kept) < limit:
                            kept += chunk[: limit - len(kept)]
                    files.append(name)
                    params[name] = f"<file {part.filename}>"
                    if limit:
                        self._file_parts[params[name]] = (part.filename, bytes(kept))
                else:
                    params[name] = (await part.read()).decode("utf-8")
        else:
            params.update(await request.post())
        decoded: dict[str, Any] = {}
        for key, value in params.items():
            if key in _RAW_STRING_PARAMS or key in files or not isinstance(value, str):
                decoded[key] = value
                continue
            try:
                decoded[key] = json.loads(value)
            except ValueError:
                decoded[key] = value
        return decoded, tuple(files)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.started[method] += 1
        self._notify()
        params, files = await self._params(request)
        if self._take_failure(method, params, "redirect") is not None:
            raise web.HTTPFound(request.path_qs)
        status, body = await self._answer(request.match_info["token"], method, params)
        self.method_counts[method] += 1
        if self.record_calls:
            self.calls.append(Call(method, params, status, self._clock(), files))
        self._notify()
        return web.json_response(body, status=status)

    async def _answer(
        self, token: str, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            await self._maybe_fail(method, params)
            result = await handler(params)
        except ApiError as error:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return error.status, body
        return 200, {"ok": True, "result": result}

    def _take_failure(
        self, method: str, params: dict[str, Any], only: str | None = None
    ) -> _Failure | None:
        for key in (method, "*"):
            queue = self._failures.get(key)
            if not queue:
                continue
            failure = queue[0]
            if (only is not None and failure.kind != only) or (
                failure.when is not None and not failure.when(params)
            ):
                continue
            failure.count -= 1
            if failure.count <= 0:
                queue.popleft()
            return failure
        return None

    async def _maybe_fail(self, method: str, params: dict[str, Any]) -> None:
        failure = self._take_failure(method, params)
        if failure is not None:
            if failure.kind == "429":
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {failure.retry_after}",
                    {"retry_after": failure.retry_after},
                )
            if failure.kind == "502":
                raise ApiError(502, "Bad Gateway")
            if failure.kind == "forbidden":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if failure.kind == "chat_not_found":
                raise ApiError(400, "Bad Request: chat not found")
            if failure.kind == "slow":
                if failure.until is not None:
                    await failure.until.wait()
                await asyncio.sleep(failure.delay)
            return

    def _target_chat(self, params: dict[str, Any]) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._kicked:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat_id

    def _check_rate(self, chat_id: int) -> None:
        if self._limiter is None:
            return
        retry_after = self._limiter.check(chat_id, self._clock())
        if retry_after is not None:
            self.rate_limit_violations += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )

    @staticmethod
    def _visible(params: dict[str, Any], key: str = "text") -> tuple[str, list[dict[str, Any]]]:
        raw = str(params.get(key, ""))
        if params.get("parse_mode") == "HTML":
            text, entities = parse_html(raw)
        else:
            text, entities = raw, list(params.get("entities") or [])
        if not text.strip() and key == "text":
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT_UTF16:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Riposte",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _record_sent(
        self,
        chat_id: int,
        text: str,
        raw: str,
        entities: list[dict[str, Any]],
        params: dict[str, Any],
    ) -> dict[str, Any]:
        message_id = self._next_message_id(chat_id)
        thread = params.get("message_thread_id")
        sent = SentMessage(
            chat_id,
            message_id,
            text,
            raw,
            entities,
            params.get("reply_markup"),
            int(thread) if thread is not None else None,
        )
        self.messages[(chat_id, message_id)] = sent
        self.sent_count += 1
        self.last_sent_at = self._clock()
        if self.first_sent_at is None:
            self.first_sent_at = self.last_sent_at
        if self.record_calls:
            self.sent.append(sent)
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id).to_json(),
            "from": self._bot_user(),
            "text": text,
        }
        if entities:
            result["entities"] = entities
        if sent.reply_markup:
            result["reply_markup"] = sent.reply_markup
        if sent.message_thread_id is not None:
            result["message_thread_id"] = sent.message_thread_id
        return result

    async def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_user()

    async def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = str(params.get("url") or "") or None
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            # Telegram forgets every update below the offset: they were confirmed.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self.wait_for(lambda: self._updates, timeout)
        return self._updates[:limit]

    async def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        text, entities = self._visible(params)
        self._check_rate(chat_id)
        return self._record_sent(chat_id, text, str(params.get("text", "")), entities, params)

    async def _m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        text, entities = self._visible(params)
        key = (chat_id, int(params.get("message_id") or 0))
        sent = self.messages.get(key)
        if sent is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if sent.text == text and sent.reply_markup == params.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        self._check_rate(chat_id)
        sent.text, sent.raw, sent.entities = text, str(params.get("text", "")), entities
        sent.reply_markup = params.get("reply_markup")
        sent.edits += 1
        result = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": self._chat(chat_id).to_json(),
            "text": text,
        }
        if sent.reply_markup:
            result["reply_markup"] = sent.reply_markup
        return result

    def _record_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        """A message with a file and its caption (sendVideo, sendDocument)."""
        chat_id = self._target_chat(params)
        caption, entities = self._visible(params, "caption")
        self._check_rate(chat_id)
        result = self._record_sent(
            chat_id, caption, str(params.get("caption", "")), entities, params
        )
        result.pop("text", None)
        result["caption"] = caption
        return result

    async def _m_sendvideo(self, params: dict[str, Any]) -> dict[str, Any]:
        result = self._record_upload(params)
        result["video"] = {
            "file_id": f"video-{result['message_id']}",
            "file_unique_id": f"u-video-{result['message_id']}",
            "width": 640,
            "height": 360,
            "duration": 1,
        }
        return result

    async def _m_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        result = self._record_upload(params)
        name, content = self._file_parts.pop(str(params.get("document")), ("document", b""))
        self.documents[(int(result["chat"]["id"]), result["message_id"])] = (name, content)
        result["document"] = {
            "file_id": f"doc-{result['message_id']}",
            "file_unique_id": f"u-doc-{result['message_id']}",
            "file_name": name,
        }
        return result

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_setmycommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{params.get('language_code') or ''}"
        self.commands[key] = list(params.get("commands") or [])
        return True

    async def _m_deletemycommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop(f"{scope.get('type')}:{params.get('language_code') or ''}", None)
        return True

    async def _m_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat.to_json() | {"accent_color_id": 0, "max_reaction_count": 11}

    async def _m_sendchataction(self, params: dict[str, Any]) -> bool:
        self._target_chat(params)
        return True

    async def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    # -- control endpoints, for a fake running in its own process ---------------------------

    async def _control(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        body: dict[str, Any] = await request.json() if request.can_read_body else {}
        if action == "inject":
            kind = body.pop("kind", None)
            if kind is None:
                return web.json_response(self.inject(body))
            if kind == "group_message":
                return web.json_response(self.group_message(**body))
            if kind == "private_message":
                return web.json_response(self.private_message(**body))
            if kind == "callback_query":
                sent = self.messages[(int(body["chat_id"]), int(body["message_id"]))]
                return web.json_response(self.callback_query(body["user_id"], sent, body["data"]))
            if kind == "migrate":
                self.migrate_chat(body["old_chat_id"], body["new_chat_id"])
                return web.json_response({"ok": True})
        elif action == "calls":
            method = request.query.get("method")
            since = int(request.query.get("since", "0"))
            selected = [
                {"index": i, "method": c.method, "params": c.params, "status": c.status, "at": c.at}
                for i, c in enumerate(self.calls[since:], start=since)
                if method is None or c.method == method
            ]
            return web.json_response(selected)
        elif action == "fail_next":
            self.fail_next(
                body["method"],
                body["kind"],
                int(body.get("count", 1)),
                retry_after=int(body.get("retry_after", 1)),
                delay=float(body.get("delay", 0.0)),
            )
            return web.json_response({"ok": True})
        elif action == "block_user":
            self.block_user(int(body["user_id"]))
            return web.json_response({"ok": True})
        elif action == "stats":
            return web.json_response(
                {
                    "methods": dict(self.method_counts),
                    "rate_limit_violations": self.rate_limit_violations,
                    "sent": self.sent_count,
                    "first_sent_at": self.first_sent_at,
                    "last_sent_at": self.last_sent_at,
                }
            )
        return web.json_response({"ok": False, "description": "unknown action"}, status=404)


async def _serve(args: argparse.Namespace) -> None:
    limits = RateLimits(global_per_second=args.max_rate) if args.rate_limits else None
    async with FakeTelegramAPI(
        token=args.token,
        bot_username=args.bot_username,
        port=args.port,
        rate_limits=limits,
        record_calls=not args.no_record,
    ) as api:
        print(f"PORT {api.port}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server (tests only)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="riposte_test_bot")
    parser.add_argument("--rate-limits", action="store_true", help="answer 429 above the limits")
    parser.add_argument(
        "--max-rate", type=float, default=30.0, help="overall messages/s with --rate-limits"
    )
    parser.add_argument("--no-record", action="store_true", help="count calls, keep no log")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    sys.exit(0)


if __name__ == "__main__":
    main()
