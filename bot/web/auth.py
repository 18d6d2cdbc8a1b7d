"""Dashboard login by a single-use link, sessions in a cookie, and forms that must be ours.

Opening the link (GET) only shows a button: chat apps fetch links to draw a
preview, and such a fetch must not spend the link. Pressing it (POST) spends
the link and opens a session whose cookie is HttpOnly, SameSite=Strict and,
behind https, Secure. Every dashboard request reloads the member and their
grants, so a coordinator whose role is removed loses the dashboard at once.
Every form carries the session's CSRF token; a form without it, or from
another origin, changes nothing.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.domain.oversight import oversight_of
from bot.i18n import LANGS, pick_lang, text
from bot.store.web_sessions import LoginState
from bot.web.html import el
from bot.web.layout import Viewer, message_page, page
from bot.web.runtime import Runtime

log = logging.getLogger(__name__)

COOKIE = "riposte_session"
VIEWER = web.RequestKey("viewer", Viewer)
_LOGIN_STATUS = {
    LoginState.UNKNOWN: (404, "web.login.unknown"),
    LoginState.USED: (410, "web.login.used"),
    LoginState.EXPIRED: (410, "web.login.expired"),
}
MAX_TOKEN_LENGTH = 100


class Forbidden(Exception):
    """A dashboard request that must stop with a page: status and message key."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.params = params


def see_other(location: str) -> web.Response:
    """After a form: the page to show next (303, so a reload does not post again)."""
    return web.Response(status=303, headers={"Location": location})


class Sessions:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._lang = pick_lang(runtime.settings.network.lang)
        base = urlsplit(runtime.settings.web.base_url)
        self._origin = f"{base.scheme}://{base.netloc}"

    # --- login ---------------------------------------------------------------------------

    async def login_form(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if len(token) > MAX_TOKEN_LENGTH:
            return message_page(self._lang, 404, "web.login.unknown")
        async with self._runtime.reader.read() as tx:
            state = await tx.web_sessions.login_state(token, self._runtime.clock())
        if state != LoginState.VALID:
            status, key = _LOGIN_STATUS[state]
            return message_page(self._lang, status, key)
        lang = self._lang
        return page(
            lang,
            text(lang, "web.login.title"),
            el(
                "section",
                el("p", text(lang, "web.login.intro")),
                el(
                    "form",
                    el("button", text(lang, "web.login.button"), type="submit", class_="primary",
                       id="login"),
                    method="post",
                    action=f"/login/{token}",
                ),
            ),
        )

    async def login(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if len(token) > MAX_TOKEN_LENGTH:
            return message_page(self._lang, 404, "web.login.unknown")
        runtime = self._runtime
        settings = runtime.settings.web
        now = runtime.clock()
        async with runtime.db.transaction() as tx:
            member_id = await tx.web_sessions.use_login(token, now)
            if member_id is None:
                state = await tx.web_sessions.login_state(token, now)
                cookie = None
            else:
                member = await tx.members.get(member_id)
                lang = pick_lang(member.lang if member else None, self._lang)
                cookie, _ = await tx.web_sessions.open(
                    member_id, lang, now, settings.session_hours * 3600
                )
                await tx.audit.record(
                    platform="web", user_id=str(member_id), member_id=member_id, chat_id="",
                    command="dashboard", outcome="login",
                )
        if cookie is None:
            status, key = _LOGIN_STATUS.get(state, (410, "web.login.used"))
            return message_page(self._lang, status, key)
        log.info("web: member %d opened a dashboard session", member_id)
        response = see_other("/dash/now")
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(settings.session_hours * 3600),
            path="/",
            httponly=True,
            samesite="Strict",
            secure=settings.secure,
        )
        return response

    # --- every dashboard request ---------------------------------------------------------

    async def viewer(self, request: web.Request) -> Viewer:
        """The session's coordinator, or `Forbidden` with the page to show."""
        cookie = request.cookies.get(COOKIE, "")
        if not cookie or len(cookie) > MAX_TOKEN_LENGTH:
            raise Forbidden(401, "web.session.none")
        now = self._runtime.clock()
        async with self._runtime.reader.read() as tx:
            session = await tx.web_sessions.get(cookie, now)
            member = await tx.members.get(session.member_id) if session else None
            aliases = await tx.tags.aliases()
        if session is None or member is None:
            raise Forbidden(401, "web.session.expired")
        view = oversight_of(member.grants, aliases)
        lang = pick_lang(session.lang, member.lang, self._lang)
        if view is None:
            raise Forbidden(403, "web.not_coordinator")
        return Viewer(member, cookie, session, view, aliases, lang)

    def check_form(self, request: web.Request, viewer: Viewer, form: dict[str, str]) -> None:
        """A state-changing form: our CSRF token, and from our own origin when the browser
        says where it comes from."""
        origin = request.headers.get("Origin")
        if origin is not None and origin != "null" and origin != self._origin:
            host = request.headers.get("Host", "")
            if urlsplit(origin).netloc != host:
                raise Forbidden(403, "web.csrf")
        given = form.get("csrf", "")
        if not hmac.compare_digest(given.encode(), viewer.session.csrf.encode()):
            raise Forbidden(403, "web.csrf")

    async def switch_lang(self, request: web.Request, viewer: Viewer,
                          form: dict[str, str]) -> web.StreamResponse:
        lang = form.get("lang", "")
        if lang not in LANGS:
            raise Forbidden(400, "web.error.bad_request")
        async with self._runtime.db.transaction() as tx:
            await tx.web_sessions.set_lang(viewer.cookie, lang)
        back = form.get("back", "")
        if not back.startswith("/dash/") or "//" in back or "\\" in back or len(back) > 300:
            back = "/dash/now"
        return see_other(back)

    async def logout(self, request: web.Request, viewer: Viewer,
                     form: dict[str, str]) -> web.StreamResponse:
        async with self._runtime.db.transaction() as tx:
            await tx.web_sessions.end(viewer.cookie, self._runtime.clock())
        response = message_page(viewer.lang, 200, "web.logged_out")
        response.del_cookie(COOKIE, path="/")
        return response


DashboardHandler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]
FormHandler = Callable[[web.Request, Viewer, dict[str, str]], Awaitable[web.StreamResponse]]
