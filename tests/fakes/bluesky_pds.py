"""A fake Bluesky PDS for the atproto SDK: createSession, uploadBlob, createRecord.

Posts are kept as the records the client wrote (`posts`), facets included."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

from aiohttp import web

from tests.fakes.social_server import FakeSocialServer

HANDLE = "riposte.test"
PASSWORD = "app-password-test"
DID = "did:plc:riposte0test0account0000"
CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"


def _jwt(scope: str) -> str:
    """A token shaped like the PDS's (the client reads its expiry; nobody checks the MAC)."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"scope": scope, "sub": DID, "iat": now, "exp": now + 7200, "aud": "did:web:pds"}
    return f"{part({'typ': 'at+jwt', 'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


def _blob_cid(data: bytes) -> str:
    return "bafkrei" + hashlib.sha256(data).hexdigest()[:52]


class FakeBlueskyPDS(FakeSocialServer):
    def __init__(self) -> None:
        super().__init__()
        self.posts: list[dict[str, Any]] = []
        self.blobs: dict[str, int] = {}
        self._token = _jwt("com.atproto.access")
        router = self.app.router
        router.add_post("/xrpc/com.atproto.server.createSession", self._session)
        router.add_post("/xrpc/com.atproto.repo.uploadBlob", self._upload)
        router.add_post("/xrpc/com.atproto.repo.createRecord", self._create)

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self._token}"

    @staticmethod
    def _error(status: int, error: str, message: str) -> web.Response:
        return web.json_response({"error": error, "message": message}, status=status)

    async def _session(self, request: web.Request) -> web.Response:
        data = json.loads(self.requests[-1].body or b"{}")
        if data.get("identifier") != HANDLE or data.get("password") != PASSWORD:
            return self._error(401, "AuthenticationRequired", "Invalid identifier or password")
        return web.json_response(
            {
                "accessJwt": self._token,
                "refreshJwt": _jwt("com.atproto.refresh"),
                "handle": HANDLE,
                "did": DID,
                "active": True,
            }
        )

    async def _upload(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(401, "AuthenticationRequired", "Authentication Required")
        data = self.requests[-1].body
        cid = _blob_cid(data)
        self.blobs[cid] = len(data)
        mime = request.headers.get("Content-Type", "application/octet-stream")
        return web.json_response(
            {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(data)}}
        )

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(401, "AuthenticationRequired", "Authentication Required")
        data = json.loads(self.requests[-1].body or b"{}")
        record = data.get("record", {})
        if data.get("repo") != DID or data.get("collection") != "app.bsky.feed.post":
            return self._error(400, "InvalidRequest", "unexpected repo or collection")
        rkey = f"3l{self.next_id()}abc"
        self.posts.append(record)
        return web.json_response({"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": CID})
