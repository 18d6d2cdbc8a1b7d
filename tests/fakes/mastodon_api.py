"""A fake Mastodon instance for Mastodon.py: /api/v1/instance, /api/v2/media,
/api/v1/media/:id, /api/v1/statuses. Statuses are kept (`statuses`) with the
media they name; a video is "processed" on the first look after its upload,
as a real instance answers 202 first and a URL later."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.fakes.social_server import FakeSocialServer

TOKEN = "mastodon-test-token"


class FakeMastodon(FakeSocialServer):
    def __init__(self, *, max_characters: int = 500, video_size_limit: int = 99_000_000) -> None:
        super().__init__()
        self.max_characters = max_characters
        self.video_size_limit = video_size_limit
        self.statuses: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        router = self.app.router
        router.add_get("/api/v1/instance", self._instance)
        router.add_get("/api/v1/instance/", self._instance)
        router.add_post("/api/v2/media", self._media_post)
        router.add_get("/api/v1/media/{id}", self._media_get)
        router.add_post("/api/v1/statuses", self._status_post)

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    async def _instance(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "uri": f"127.0.0.1:{self.port}",
                "title": "Fake Mastodon",
                "version": "4.3.0",
                "api_versions": {"mastodon": 2},
                "configuration": {
                    "statuses": {
                        "max_characters": self.max_characters,
                        "characters_reserved_per_url": 23,
                    },
                    "media_attachments": {"video_size_limit": self.video_size_limit},
                },
            }
        )

    async def _media_post(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        body = self.requests[-1].body
        media_id = self.next_id()
        self.media[media_id] = {"id": media_id, "type": "video", "size": len(body), "url": None}
        return web.json_response(self.media[media_id], status=202)

    async def _media_get(self, request: web.Request) -> web.Response:
        found = self.media.get(request.match_info["id"])
        if found is None:
            return web.json_response({"error": "Record not found"}, status=404)
        found["url"] = f"{self.base_url}/media/{found['id']}.mp4"
        return web.json_response(found)

    async def _status_post(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        raw = self.requests[-1].body
        if request.content_type == "application/json":
            params: dict[str, Any] = json.loads(raw or b"{}")
        else:
            form = await request.post()
            params = {k: form.getall(k) if k.endswith("[]") else form[k] for k in form}
        key = request.headers.get("Idempotency-Key")
        if key and key in self.idempotency:
            return web.json_response(self.idempotency[key])
        text = str(params.get("status", ""))
        if len(text) > self.max_characters:
            return web.json_response({"error": "Validation failed: Text too long"}, status=422)
        media_ids = params.get("media_ids[]") or params.get("media_ids") or []
        for media_id in media_ids:
            if self.media.get(str(media_id), {}).get("url") is None:
                return web.json_response(
                    {"error": "Cannot attach files that have not finished processing"},
                    status=422,
                )
        status_id = self.next_id()
        status = {
            "id": status_id,
            "uri": f"{self.base_url}/users/riposte/statuses/{status_id}",
            "url": f"{self.base_url}/@riposte/{status_id}",
            "content": text,
            "visibility": params.get("visibility", "public"),
            "media_attachments": [self.media[str(m)] for m in media_ids],
        }
        self.statuses.append(status)
        if key:
            self.idempotency[key] = status
        return web.json_response(status)
