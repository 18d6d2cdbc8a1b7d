"""A fake Discord: the REST routes and the gateway websocket discord.py uses, on 127.0.0.1.

The real discord.py client connects to it through `[discord] api_base`: REST
calls (login, command sync, messages, interaction callbacks, webhooks) come in
over HTTP, the gateway over a websocket at the URL `GET /gateway/bot` gives.
Every call is recorded. A test can inject gateway events (MESSAGE_CREATE,
INTERACTION_CREATE), make the next matching request answer 429 or 5xx, delete a
channel (later sends get 404 "Unknown Channel"), and drop the gateway (the
client must RESUME on `resume_gateway_url`).

JSON answers carry `Content-Type: application/json` exactly: discord.py only
parses a body as JSON on that exact value (aiohttp's default adds
`; charset=utf-8`, which the library treats as text and then crashes on).
Frames are sent as plain text even though the client asks for `zlib-stream`;
discord.py accepts both.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

API_PREFIX = "/api/v10"
HEARTBEAT_INTERVAL_MS = 41_250
MESSAGE_CONTENT = 1 << 15
JSON_BODY: web.RequestKey[Any] = web.RequestKey("json", object)
"""A request's JSON body (or a multipart request's `payload_json`), parsed once."""
FILES: web.RequestKey[list[str]] = web.RequestKey("files", list)
_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py compares the header with ==.
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    method: str
    path: str
    body: Any
    status: int = 0
    at: float = field(default_factory=time.monotonic)


@dataclass
class Injected:
    """A canned answer for the next request whose method and path match."""

    method: str
    path: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int = 1
    when: Callable[[Any], bool] | None = None


async def _read_multipart(request: web.Request) -> tuple[Any, list[str], int]:
    """(the `payload_json` part, the uploaded file names, their bytes) of an upload.

    Read part by part and file contents drained in chunks, as a real server
    would: an upload of hundreds of megabytes never sits in memory here.
    """
    reader = await request.multipart()
    payload: Any = {}
    files: list[str] = []
    received = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "payload_json":
            payload = json.loads(await part.read() or b"{}")
        elif part.filename:
            while chunk := await part.read_chunk(1 << 16):
                received += len(chunk)
            files.append(part.filename)
        else:
            await part.release()
    return payload, files, received


@dataclass
class SentMessage:
    id: str
    channel_id: str
    content: str
    allowed_mentions: dict[str, Any] | None
    components: list[dict[str, Any]]
    embeds: list[dict[str, Any]]
    edits: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """What a reader sees: the content, then each embed's title and description."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
        return "\n".join(p for p in parts if p)


class FakeDiscord:
    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        guild_id: str = "900000000000000001",
        channels: dict[str, str] | None = None,
        threads: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.token = token
        self.app_id = "800000000000000001"
        self.bot_id = self.app_id
        self.guild_id = guild_id
        self.channels: dict[str, str] = dict(
            channels or {"100000000000000001": "general", "100000000000000002": "alertes"}
        )
        self.threads: dict[str, tuple[str, str]] = dict(threads or {})
        """thread id -> (parent channel id, name)."""
        self.deleted: set[str] = set()
        self.message_content_allowed = True
        """False: the Message Content intent is not enabled in the "developer portal" (4014)."""
        self.calls: list[Call] = []
        self.messages: dict[str, SentMessage] = {}
        self.callbacks: list[dict[str, Any]] = []
        self.followups: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        """Synced application commands: "global" or a guild id -> payloads."""
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.dm_channels: dict[str, str] = {}
        self._injected: list[Injected] = []
        self._ws: web.WebSocketResponse | None = None
        self._ws_ready = asyncio.Event()
        self._seq = 0
        self._session_id = "fake-session-" + snowflake()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.upload_bytes = 0
        """Bytes of uploaded files received, all uploads together."""
        self._changed = asyncio.Condition()

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        p = API_PREFIX
        app.router.add_get(f"{p}/users/@me", self._me)
        app.router.add_get(f"{p}/oauth2/applications/@me", self._application)
        app.router.add_get(f"{p}/gateway/bot", self._gateway_bot)
        app.router.add_get(f"{p}/gateway", self._gateway_bot)
        app.router.add_put(f"{p}/applications/{{app}}/commands", self._sync_commands)
        app.router.add_put(
            f"{p}/applications/{{app}}/guilds/{{guild}}/commands", self._sync_commands
        )
        app.router.add_post(f"{p}/channels/{{channel}}/messages", self._create_message)
        app.router.add_patch(f"{p}/channels/{{channel}}/messages/{{message}}", self._edit_message)
        app.router.add_post(f"{p}/users/@me/channels", self._open_dm)
        app.router.add_post(f"{p}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{p}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_patch(
            f"{p}/webhooks/{{app}}/{{token}}/messages/{{message}}", self._edit_followup
        )
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- what a test drives ------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        when: Callable[[Any], bool] | None = None,
    ) -> None:
        """The next `times` requests matching `method` and the `path` regex (and whose
        decoded body `when` accepts, if given) get this answer."""
        self._injected.append(
            Injected(method, re.compile(path), status, body, headers or {}, times, when)
        )

    def rate_limit_next(self, method: str, path: str, retry_after: float) -> None:
        """A 429 as Discord sends it: JSON `retry_after` and a `Via` header (not Cloudflare)."""
        self.fail_next(
            method,
            path,
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            headers={
                "Via": "1.1 google",
                "Retry-After": str(retry_after),
                "X-RateLimit-Scope": "user",
            },
        )

    def delete_channel(self, channel_id: str) -> None:
        self.deleted.add(channel_id)

    async def drop_gateway(self) -> None:
        """Close the gateway socket as a network blip would; the client should RESUME."""
        ws = self._ws
        assert ws is not None, "no gateway connection to drop"
        self._ws_ready.clear()
        self._ws = None
        await ws.close(code=4000, message=b"dropped by the test")

    async def wait_connected(self, timeout: float = 20.0) -> None:
        await asyncio.wait_for(self._ws_ready.wait(), timeout)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        """Wait until `predicate()` is true; it is re-checked after every request or frame."""

        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(check(), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def sent_to(self, channel_id: str) -> list[SentMessage]:
        return [m for m in self.messages.values() if m.channel_id == channel_id]

    def user(self, user_id: str, name: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": name,
            "global_name": name.capitalize(),
            "discriminator": "0",
            "avatar": None,
            "bot": False,
        }

    def _member(self, user: dict[str, Any]) -> dict[str, Any]:
        return {
            "user": user,
            "nick": None,
            "roles": [],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": "2199023255551",
        }

    async def inject_message(
        self, channel_id: str, user_id: str, name: str, content: str, *, dm: bool = False
    ) -> str:
        user = self.user(user_id, name)
        if dm:
            channel_id = self.dm_channels.setdefault(user_id, snowflake())
        data: dict[str, Any] = {
            **self._message_payload(snowflake(), channel_id, content, user),
        }
        if not dm:
            data["guild_id"] = self.guild_id
            data["member"] = {k: v for k, v in self._member(user).items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", data)
        return str(data["id"])

    async def inject_slash(
        self, channel_id: str, user_id: str, name: str, command: str, arguments: str | None
    ) -> str:
        options = (
            [] if arguments is None else [{"name": "arguments", "type": 3, "value": arguments}]
        )
        synced = self.commands.get(self.guild_id, []) + self.commands.get("global", [])
        found = next((c for c in synced if c["name"] == command), None)
        assert found is not None, f"/{command} was never synced"
        data = {"id": found["id"], "name": command, "type": 1, "options": options}
        return await self._interaction(2, channel_id, user_id, name, data)

    async def inject_button(self, message_id: str, user_id: str, name: str, custom_id: str) -> str:
        message = self.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._message_payload(
            message.id, message.channel_id, message.content, self._bot_user(), message.components
        )
        return await self._interaction(3, message.channel_id, user_id, name, data, payload)

    def _channel_payload(self, channel_id: str, user_id: str = "0") -> dict[str, Any]:
        parent = self.threads.get(channel_id)
        channel: dict[str, Any] = {
            "id": channel_id,
            "type": 11 if parent else 0,
            "guild_id": self.guild_id,
            "name": parent[1] if parent else self.channels.get(channel_id, "x"),
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": parent[0] if parent else None,
        }
        if parent:
            channel["thread_metadata"] = {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": _now(),
                "locked": False,
            }
            channel["owner_id"] = user_id
            channel["member_count"] = 1
            channel["message_count"] = 1
        return channel

    async def _interaction(
        self,
        kind: int,
        channel_id: str,
        user_id: str,
        name: str,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> str:
        interaction_id = snowflake()
        channel = self._channel_payload(channel_id, user_id)
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": self.app_id,
            "type": kind,
            "data": data,
            "guild_id": self.guild_id,
            "channel_id": channel_id,
            "channel": channel,
            "member": self._member(self.user(user_id, name)),
            "token": "itoken-" + interaction_id,
            "version": 1,
            "locale": "fr",
            "guild_locale": "fr",
            "app_permissions": "2199023255551",
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        }
        if channel_id in self.dm_channels.values():
            # A button pressed in a direct message: no guild, a user instead of a member.
            user = self.user(user_id, name)
            del payload["guild_id"], payload["member"], payload["guild_locale"]
            payload["user"] = user
            payload["channel"] = {"id": channel_id, "type": 1, "recipients": [user]}
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"1": user_id}
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self.wait_connected()
        assert self._ws is not None
        self._seq += 1
        await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    # -- REST --------------------------------------------------------------------

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        body: Any = None
        files: list[str] = []
        if request.can_read_body and request.content_type.startswith("multipart/"):
            # An upload: discord.py sends `payload_json` and `files[n]` parts.
            body, files, received = await _read_multipart(request)
            self.upload_bytes += received
        elif request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
        call = Call(request.method, request.path, body)
        if request.path.startswith(API_PREFIX):
            self.calls.append(call)
        response: web.StreamResponse
        auth = request.headers.get("Authorization", "")
        injected = next(
            (
                i
                for i in self._injected
                if i.method == request.method
                and i.path.search(request.path)
                and (i.when is None or i.when(body))
            ),
            None,
        )
        if request.path == "/gateway":
            response = await handler(request)
        elif auth != f"Bot {self.token}" and not request.path.startswith(
            (f"{API_PREFIX}/interactions/", f"{API_PREFIX}/webhooks/")
        ):
            response = _json({"message": "401: Unauthorized", "code": 0}, 401)
        elif injected is not None:
            injected.times -= 1
            if injected.times <= 0:
                self._injected.remove(injected)
            response = _json(injected.body, injected.status, injected.headers)
        else:
            request[JSON_BODY] = body
            request[FILES] = files
            response = await handler(request)
        call.status = response.status
        await self._notify()
        return response

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "username": "riposte",
            "global_name": None,
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
        }

    async def _me(self, request: web.Request) -> web.Response:
        return _json(self._bot_user())

    async def _application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": self.app_id,
                "name": "Riposte",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self.user("700000000000000001", "owner"),
                "verify_key": "00",
                "flags": 0,
                "interactions_endpoint_url": None,
            }
        )

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _sync_commands(self, request: web.Request) -> web.Response:
        key = request.match_info.get("guild", "global")
        payload = request[JSON_BODY] or []
        stored = [
            {
                **c,
                "id": snowflake(),
                "application_id": self.app_id,
                "version": snowflake(),
                "type": c.get("type", 1),
                "default_member_permissions": None,
            }
            for c in payload
        ]
        if key != "global":
            for c in stored:
                c["guild_id"] = key
        self.commands[key] = stored
        return _json(stored)

    def _channel_gone(self, channel_id: str) -> web.Response | None:
        known = channel_id in self.channels or channel_id in self.threads
        known = known or channel_id in self.dm_channels.values()
        if channel_id in self.deleted or not known:
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        return None

    def _message_payload(
        self,
        message_id: str,
        channel_id: str,
        content: str,
        author: dict[str, Any],
        components: list[dict[str, Any]] | None = None,
        embeds: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        return {
            "id": message_id,
            "channel_id": channel_id,
            "author": author,
            "content": content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": embeds or [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": components or [],
        }

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel"]
        gone = self._channel_gone(channel_id)
        if gone is not None:
            return gone
        body = request[JSON_BODY] or {}
        message = SentMessage(
            id=snowflake(),
            channel_id=channel_id,
            content=body.get("content") or "",
            allowed_mentions=body.get("allowed_mentions"),
            components=body.get("components") or [],
            embeds=body.get("embeds") or [],
            files=list(request.get(FILES) or []),
        )
        self.messages[message.id] = message
        return _json(
            self._message_payload(
                message.id,
                channel_id,
                message.content,
                self._bot_user(),
                message.components,
                message.embeds,
            )
        )

    async def _edit_message(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel"]
        gone = self._channel_gone(channel_id)
        if gone is not None:
            return gone
        message = self.messages.get(request.match_info["message"])
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        body = request[JSON_BODY] or {}
        if "content" in body:
            message.edits.append(body["content"] or "")
            message.content = body["content"] or ""
        if "components" in body:
            message.components = body["components"] or []
        if "embeds" in body:
            message.embeds = body["embeds"] or []
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        return _json(
            self._message_payload(
                message.id, channel_id, message.content, self._bot_user(), message.components
            )
        )

    async def _open_dm(self, request: web.Request) -> web.Response:
        user_id = str((request[JSON_BODY] or {}).get("recipient_id"))
        channel_id = self.dm_channels.setdefault(user_id, snowflake())
        return _json(
            {
                "id": channel_id,
                "type": 1,
                "last_message_id": None,
                "recipients": [self.user(user_id, "someone")],
            }
        )

    async def _callback(self, request: web.Request) -> web.Response:
        body = request[JSON_BODY] or {}
        self.callbacks.append({"interaction": request.match_info["id"], **body})
        return _json({"interaction": {"id": request.match_info["id"], "type": body.get("type", 4)}})

    async def _followup(self, request: web.Request) -> web.Response:
        body = request[JSON_BODY] or {}
        self.followups.append(body)
        return _json(
            self._message_payload(snowflake(), "0", body.get("content", ""), self._bot_user())
        )

    async def _edit_followup(self, request: web.Request) -> web.Response:
        body = request[JSON_BODY] or {}
        self.followups.append(body)
        return _json(
            self._message_payload(
                request.match_info["message"], "0", body.get("content", ""), self._bot_user()
            )
        )

    # -- gateway -----------------------------------------------------------------

    def _guild_payload(self) -> dict[str, Any]:
        channels = [
            {
                "id": cid,
                "type": 0,
                "guild_id": self.guild_id,
                "name": name,
                "position": i,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
            }
            for i, (cid, name) in enumerate(self.channels.items())
            if cid not in self.deleted
        ]
        return {
            "id": self.guild_id,
            "name": "Réseau",
            "icon": None,
            "owner_id": "700000000000000001",
            "roles": [
                {
                    "id": self.guild_id,
                    "name": "@everyone",
                    "permissions": "0",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "member_count": 2,
            "members": [],
            "channels": channels,
            "threads": [self._channel_payload(tid) for tid in self.threads],
            "presences": [],
            "voice_states": [],
            "large": False,
            "unavailable": False,
            "joined_at": _now(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "fr",
            "nsfw_level": 0,
            "system_channel_flags": 0,
        }

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        hello = {"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}
        await ws.send_str(json.dumps(hello))
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                break
            message = json.loads(frame.data)
            op = message.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                if message["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                if message["d"].get("intents", 0) & MESSAGE_CONTENT and not (
                    self.message_content_allowed
                ):
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                self.identifies.append(message["d"])
                self._seq = 0
                self._session_id = "fake-session-" + snowflake()
                self._ws = ws
                self._seq += 1
                ready = {
                    "v": 10,
                    "user": self._bot_user(),
                    "guilds": [{"id": self.guild_id, "unavailable": True}],
                    "session_id": self._session_id,
                    "resume_gateway_url": self.gateway_url,
                    "application": {"id": self.app_id, "flags": 0},
                    "private_channels": [],
                    "relationships": [],
                }
                await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": self._seq, "d": ready}))
                self._seq += 1
                await ws.send_str(
                    json.dumps(
                        {"op": 0, "t": "GUILD_CREATE", "s": self._seq, "d": self._guild_payload()}
                    )
                )
                self._ws_ready.set()
            elif op == 6:
                self.resumes.append(message["d"])
                if message["d"].get("session_id") != self._session_id:
                    await ws.send_str(json.dumps({"op": 9, "d": False}))
                    continue
                self._ws = ws
                self._seq += 1
                await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": self._seq, "d": {}}))
                self._ws_ready.set()
            await self._notify()
        if self._ws is ws:
            self._ws = None
            self._ws_ready.clear()
        return ws
