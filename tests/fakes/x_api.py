"""A fake X API v2 for tweepy: POST /2/tweets and the v2 media upload endpoints
(initialize, append, finalize, status), with OAuth 1.0a signatures verified
against the URL the request really reached, and an optional daily post quota
answered like X does (429 with x-rate-limit-reset)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature

from tests.fakes.social_server import FakeSocialServer

CONSUMER_KEY = "x-consumer-key"
CONSUMER_SECRET = "x-consumer-secret"
ACCESS_TOKEN = "x-access-token"
ACCESS_SECRET = "x-access-secret"


class FakeXAPI(FakeSocialServer):
    def __init__(self, *, daily_quota: int | None = None) -> None:
        super().__init__()
        self.daily_quota = daily_quota
        self.tweets: list[dict[str, Any]] = []
        self.uploads: dict[str, dict[str, Any]] = {}
        self.bad_signatures = 0
        router = self.app.router
        router.add_post("/2/tweets", self._tweet)
        router.add_post("/2/media/upload/initialize", self._initialize)
        router.add_post("/2/media/upload/{id}/append", self._append)
        router.add_post("/2/media/upload/{id}/finalize", self._finalize)
        router.add_get("/2/media/upload", self._status)

    def _signed(self, request: web.Request) -> bool:
        """The OAuth 1.0a HMAC-SHA1 signature, recomputed for the URL this server is at."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return False
        params = signature.collect_parameters(
            uri_query=request.query_string,
            headers={"Authorization": header},
            exclude_oauth_signature=False,
        )
        given = dict(params).get("oauth_signature", "")
        if dict(params).get("oauth_consumer_key") != CONSUMER_KEY:
            return False
        if dict(params).get("oauth_token") != ACCESS_TOKEN:
            return False
        uri = signature.base_string_uri(f"http://{request.host}{request.path}")
        normalized = signature.normalize_parameters(
            [(k, v) for k, v in params if k != "oauth_signature"]
        )
        base = signature.signature_base_string(request.method, uri, normalized)
        client = Client(
            CONSUMER_KEY, client_secret=CONSUMER_SECRET, resource_owner_secret=ACCESS_SECRET
        )
        expected = signature.sign_hmac_sha1_with_client(base, client)
        return bool(given) and given == expected

    def _unauthorized(self) -> web.Response:
        self.bad_signatures += 1
        return web.json_response(
            {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, status=401
        )

    async def _tweet(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return self._unauthorized()
        data = json.loads(self.requests[-1].body or b"{}")
        if self.daily_quota is not None and len(self.tweets) >= self.daily_quota:
            return web.json_response(
                {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
                status=429,
                headers={"x-rate-limit-reset": str(int(time.time()) + 3600)},
            )
        for media_id in (data.get("media") or {}).get("media_ids", []):
            if self.uploads.get(media_id, {}).get("state") != "succeeded":
                return web.json_response(
                    {"errors": [{"message": f"media {media_id} not ready"}], "title": "Invalid"},
                    status=400,
                )
        tweet_id = self.next_id()
        self.tweets.append({"id": tweet_id, **data})
        return web.json_response(
            {"data": {"id": tweet_id, "text": data.get("text", "")}}, status=201
        )

    async def _initialize(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return self._unauthorized()
        data = json.loads(self.requests[-1].body or b"{}")
        media_id = self.next_id()
        self.uploads[media_id] = {
            "total": int(data.get("total_bytes", 0)),
            "chunks": {},
            "state": "initialized",
        }
        return web.json_response(
            {"data": {"id": media_id, "media_key": f"7_{media_id}", "expires_after_secs": 86400}}
        )

    async def _append(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return self._unauthorized()
        upload = self.uploads.get(request.match_info["id"])
        if upload is None:
            return web.json_response({"errors": [{"message": "no such upload"}]}, status=400)
        data = json.loads(self.requests[-1].body or b"{}")
        upload["chunks"][int(data["segment_index"])] = base64.b64decode(data["media"])
        return web.Response(status=200)

    async def _finalize(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return self._unauthorized()
        media_id = request.match_info["id"]
        upload = self.uploads.get(media_id)
        if upload is None:
            return web.json_response({"errors": [{"message": "no such upload"}]}, status=400)
        size = sum(len(c) for c in upload["chunks"].values())
        if size != upload["total"]:
            return web.json_response({"errors": [{"message": "size mismatch"}]}, status=400)
        upload["state"] = "pending"
        return web.json_response(
            {
                "data": {
                    "id": media_id,
                    "processing_info": {"state": "pending", "check_after_secs": 0},
                }
            }
        )

    async def _status(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return self._unauthorized()
        query = dict(parse_qsl(request.query_string))
        upload = self.uploads.get(query.get("media_id", ""))
        if upload is None:
            return web.json_response({"errors": [{"message": "no such upload"}]}, status=400)
        upload["state"] = "succeeded"
        return web.json_response(
            {"data": {"id": query["media_id"], "processing_info": {"state": "succeeded"}}}
        )
