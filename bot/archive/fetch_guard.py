"""The fetch guard: an HTTP proxy inside the worker through which every byte it fetches passes.

yt-dlp fetches pages, manifests and segments itself, and hands sections to
ffmpeg, which opens the media URL, follows redirects, reads HLS playlists and
DASH manifests and fetches their segments and keys on its own. Checking the
URL beforehand cannot cover what ffmpeg is told later (a 302 served only to
its request, a segment on 127.0.0.1, a DNS answer that changed since
yt-dlp's check). So both use this proxy (`proxy` for yt-dlp, `http_proxy`
for ffmpeg), and the proxy, for each connection:

1. resolves the name itself (`resolve`, the system resolver in production),
2. checks every answer against the `AddressPolicy`,
3. connects to the address it checked, never to the name again (so a second
   DNS answer cannot slip in between the check and the connection),
4. relays the exchange.

Two kinds of requests reach it. yt-dlp's own (pages, APIs) come as usual:
CONNECT tunnels for https, absolute-form requests for http. Media requests
come for the guard's names (`guard_urls.py`): the worker rewrites every
format URL to them, and the guard rewrites every absolute reference in the
playlists, manifests and redirects it relays, so ffmpeg never holds a URL
that does not lead back here. For those the guard is the client: it does the
TLS itself (certificates verified) with aiohttp, whose resolver is the check
above, so ffmpeg needs no TLS, and no `httpproxy`, which a playlist could
otherwise name to make ffmpeg connect anywhere by itself.

A refused connection gets a 403 and is recorded in `refusals`: the worker
then fails the clip as "private", whatever the downloader made of the 403.
Nothing is cached: every connection is resolved and checked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import urljoin, urlsplit

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict

from bot.archive.guard_urls import (
    MAX_MANIFEST,
    SNIFF,
    Origins,
    manifest_kind,
    rewrite_manifest,
)
from bot.archive.url_policy import AddressPolicy, FetchRefused, normalize_host

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Sequence[str]]
"""host, port -> addresses (strings), in the order to try them."""

CookieHeader = Callable[[str], str | None]
"""URL -> the `Cookie` header yt-dlp's cookie jar holds for it."""

MAX_HEAD = 64 * 1024
MAX_REQUEST_BODY = 8 * 1024 * 1024
CHUNK = 1024 * 1024
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authorization",
    "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "expect", "host",
})  # fmt: skip

_system_getaddrinfo = socket.getaddrinfo
"""Captured at import: `confine_resolution` replaces the module attribute in the worker."""


def system_resolve(host: str, port: int) -> list[str]:
    """The system resolver's addresses for `host`, without duplicates, in its order."""
    results = _system_getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    seen: list[str] = []
    for result in results:
        address = str(result[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def _split_authority(authority: str) -> tuple[str, int]:
    """`host:port` or `[v6]:port` of a CONNECT request."""
    host, _, port = authority.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(authority)
    return normalize_host(host), int(port)


def _headers(lines: list[str]) -> list[tuple[str, str]]:
    headers = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ValueError(line)
        headers.append((name, value.strip()))
    return headers


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _answer(status: str, reason: str = "") -> bytes:
    body = (reason or status).encode("utf-8", "replace") + b"\n"
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


async def _relay(
    source: asyncio.StreamReader,
    sink: asyncio.StreamWriter,
    idle: float,
    limit: int | None = None,
) -> None:
    """Copy bytes until EOF (or `limit` bytes); a silence longer than `idle` ends it."""
    left = limit
    while left is None or left > 0:
        size = CHUNK if left is None else min(CHUNK, left)
        chunk = await asyncio.wait_for(source.read(size), idle)
        if not chunk:
            return
        sink.write(chunk)
        await sink.drain()
        if left is not None:
            left -= len(chunk)


class RefusedConnection(OSError):
    """FetchRefused, as aiohttp's resolver interface needs it (an OSError)."""


def _tls_context() -> ssl.SSLContext:
    """Verified TLS: the roots `SSL_CERT_FILE`/`SSL_CERT_DIR` name (a private CA on the LAN),
    else certifi's when present (as yt-dlp uses them), else the system's."""
    if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context()
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class _CheckingResolver(AbstractResolver):
    """aiohttp's resolver: the guard's resolve-and-check, one fresh answer per connection."""

    def __init__(self, guard: GuardProxy) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            address = await self._guard.checked_address(host, port)
        except FetchRefused as refused:
            raise RefusedConnection(str(refused)) from None
        found = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=found,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


class GuardProxy:
    """The proxy, on 127.0.0.1 at a free port, served by its own event loop in a thread.

    The worker's own code is blocking (yt-dlp), so the proxy cannot share a
    loop with it; a daemon thread ends with the process in any case.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolve: Resolver = system_resolve,
        timeout: float = 20.0,
        on_refuse: Callable[[str], None] | None = None,
    ) -> None:
        self._policy = policy
        self._resolve = resolve
        self._timeout = timeout
        self._idle = max(60.0, timeout * 3)
        self._on_refuse = on_refuse
        self.origins = Origins()
        """The guard's names for media origins (see `guard_urls`)."""
        self.cookie_header: CookieHeader | None = None
        """Set by the worker once yt-dlp's cookie jar exists: media requests carry its cookies."""
        self._session: aiohttp.ClientSession | None = None
        self.refusals: list[str] = []
        self.connections = 0
        """Upstream connections opened (checked), for logs and tests."""
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._clients: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._thread = threading.Thread(target=self._main, name="fetch-guard", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GuardProxy:
        self._thread.start()
        self._ready.wait(10)
        if self._failure is not None or not self.port:
            raise RuntimeError(f"fetch guard did not start: {self._failure}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(5)

    def __enter__(self) -> GuardProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _main(self) -> None:
        try:
            asyncio.run(self._serve_forever())
        except BaseException as error:  # reported to start(); the thread must not die silently
            self._failure = error
            self._ready.set()

    async def _serve_forever(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._client, "127.0.0.1", 0, limit=MAX_HEAD)
        self.port = server.sockets[0].getsockname()[1]
        connector = aiohttp.TCPConnector(
            resolver=_CheckingResolver(self),
            use_dns_cache=False,
            force_close=True,
            ssl=_tls_context(),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(sock_connect=self._timeout, sock_read=self._idle),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
        )
        self._ready.set()
        async with server:
            await self._stopped.wait()
        # Let open connections end by themselves (a closed socket makes them return)
        # rather than be cancelled mid-close when the loop ends.
        for writer in self._clients.values():
            writer.transport.abort()
        if self._clients:
            await asyncio.wait(list(self._clients), timeout=2)
        await self._session.close()

    def _refuse(self, reason: str) -> None:
        self.refusals.append(reason)
        log.warning("fetch guard: refused %s", reason)
        if self._on_refuse is not None:
            self._on_refuse(reason)

    async def checked_address(self, host: str, port: int) -> str:
        """Resolve `host` now and return the one address to connect to (or FetchRefused)."""
        loop = asyncio.get_running_loop()
        self._policy.check_port(host, port)
        addresses = await asyncio.wait_for(
            loop.run_in_executor(None, self._resolve, host, port), self._timeout
        )
        return self._policy.pick(host, port, list(addresses))

    async def _connect(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Resolve, check, and connect to the checked address (FetchRefused, OSError)."""
        loop = asyncio.get_running_loop()
        address = await self.checked_address(host, port)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            # A numeric address: asyncio connects without resolving anything again.
            await asyncio.wait_for(loop.sock_connect(sock, (address, port)), self._timeout)
        except BaseException:
            sock.close()
            raise
        self.connections += 1
        return await asyncio.open_connection(sock=sock, limit=CHUNK)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: asyncio.StreamWriter | None = None
        task = asyncio.current_task()
        if task is not None:
            self._clients[task] = writer
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self._timeout)
                lines = head.decode("latin-1").split("\r\n")[:-2]
                method, target, _version = lines[0].split(" ")
                headers = _headers(lines[1:])
            except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                writer.write(_answer("400 Bad Request"))
                return
            try:
                if method == "CONNECT":
                    host, port = _split_authority(target)
                    up_reader, upstream = await self._connect(host, port)
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await writer.drain()
                    await self._tunnel(reader, writer, up_reader, upstream)
                else:
                    await self._forward(method, target, headers, reader, writer)
            except FetchRefused as refused:
                self._refuse(str(refused))
                writer.write(_answer("403 Forbidden", f"refused by the archive: {refused}"))
            except ValueError:
                writer.write(_answer("400 Bad Request"))
            except TimeoutError:
                writer.write(_answer("504 Gateway Timeout"))
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
                log.warning("fetch guard: %s %s failed: %s", method, target[:200], error)
                writer.write(_answer("502 Bad Gateway", str(error)))
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away or stalled: nothing to tell it
        except Exception:
            log.exception("fetch guard: unexpected error; connection closed")
        finally:
            for stream in (upstream, writer):
                if stream is not None:
                    stream.close()
                    with contextlib.suppress(Exception):
                        await stream.wait_closed()
            if task is not None:
                self._clients.pop(task, None)

    async def _tunnel(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        upstream: asyncio.StreamWriter,
    ) -> None:
        tasks = [
            asyncio.ensure_future(_relay(reader, upstream, self._idle)),
            asyncio.ensure_future(_relay(up_reader, writer, self._idle)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _forward(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """One plain-http request: to a guard name (media) or to an http URL (yt-dlp's)."""
        parts = urlsplit(target)
        if parts.scheme.lower() != "http" or not parts.hostname:
            raise ValueError(target)
        real = self.origins.real_url(target)
        url = real or target
        length = int(_header(headers, "content-length") or 0)
        if _header(headers, "transfer-encoding") or not 0 <= length <= MAX_REQUEST_BODY:
            raise ValueError("request body")
        if (_header(headers, "expect") or "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = await asyncio.wait_for(reader.readexactly(length), self._timeout) if length else None
        upstream = urlsplit(url)
        if upstream.hostname and _is_address(upstream.hostname):
            # aiohttp connects to a literal address without asking its resolver.
            await self.checked_address(upstream.hostname, upstream.port or 80)
        sent = CIMultiDict((k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP)
        if real is not None:
            # The body must be readable to rewrite a playlist in it.
            sent["Accept-Encoding"] = "identity"
            cookie = self.cookie_header(real) if self.cookie_header is not None else None
            if cookie and "Cookie" not in sent:
                sent["Cookie"] = cookie
        try:
            async with self._session_or_fail().request(
                method, yarl.URL(url, encoded=True), headers=sent, data=body,
                allow_redirects=False,
            ) as answer:  # fmt: skip
                self.connections += 1
                await self._answer(answer, method, url, real is not None, writer)
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, RefusedConnection):
                raise FetchRefused(str(error.os_error)) from None
            raise OSError(str(error)) from None
        except aiohttp.ClientError as error:
            raise OSError(f"{type(error).__name__}: {error}") from None

    def _session_or_fail(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise OSError("fetch guard not started")
        return self._session

    async def _answer(
        self,
        answer: aiohttp.ClientResponse,
        method: str,
        url: str,
        media: bool,
        writer: asyncio.StreamWriter,
    ) -> None:
        """The upstream answer, relayed; for media, with every reference routed back here."""
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in answer.raw_headers
            if k.decode("latin-1").lower() not in _HOP_BY_HOP
        ]
        if media:
            headers = [
                (k, self.origins.route(urljoin(url, v)) if k.lower() == "location" else v)
                for k, v in headers
            ]
        code = answer.status
        if method == "HEAD" or code in (204, 304) or 100 <= code < 200:
            writer.write(_head(code, answer.reason, headers))
            return
        head = b""
        if media and (_header(headers, "content-encoding") or "identity").lower() == "identity":
            while len(head) < SNIFF and (chunk := await answer.content.read(SNIFF - len(head))):
                head += chunk
            kind = manifest_kind(head)
            if kind is not None:
                rest = await answer.content.read(MAX_MANIFEST + 1 - len(head))
                if len(head) + len(rest) > MAX_MANIFEST:
                    raise OSError(f"{url[:80]}: playlist over {MAX_MANIFEST} bytes")
                document = rewrite_manifest(kind, head + rest, url, self.origins)
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers.append(("Content-Length", str(len(document))))
                writer.write(_head(code, answer.reason, headers) + document)
                return
        writer.write(_head(code, answer.reason, headers) + head)
        # The answer has begun: a failure now can only cut it short, never replace it.
        with contextlib.suppress(OSError, TimeoutError, aiohttp.ClientError):
            async for chunk in answer.content.iter_chunked(CHUNK):
                writer.write(chunk)
                await writer.drain()
            await writer.drain()


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _head(code: int, reason: str | None, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {code} {reason or ''}".rstrip()]
    lines += [f"{k}: {v}" for k, v in headers]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


@contextlib.contextmanager
def confine_resolution(
    proxy_port: int, on_refuse: Callable[[str], None] | None = None
) -> Iterator[None]:
    """In this process, no name resolves but the proxy's own address: no path around it.

    yt-dlp is told to use the proxy; should some code path ignore that, its
    connection fails here instead of reaching the network unchecked. The
    proxy itself resolves with `system_resolve`, captured before this.
    """
    original = socket.getaddrinfo

    def confined(host: object, port: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name == "127.0.0.1" and str(port) == str(proxy_port):
            return original(host, port, *args, **kwargs)  # type: ignore[arg-type]
        reason = f"{name}: a direct connection, outside the fetch guard"
        if on_refuse is not None:
            on_refuse(reason)
        raise OSError(reason)

    socket.getaddrinfo = confined  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.getaddrinfo = original
