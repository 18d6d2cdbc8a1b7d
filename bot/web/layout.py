"""The frame of every page: head, navigation, language switch; and the error pages.

Pages are plain HTML forms and links (nothing needs JavaScript), sized for a
phone first. Every response gets its security headers in `server.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.domain.members import Member
from bot.domain.oversight import Oversight
from bot.domain.tags import TagAliases
from bot.i18n import text
from bot.store.web_sessions import WebSession
from bot.web.html import Child, Markup, el, join

NAV = (
    ("now", "/dash/now"),
    ("deliveries", "/dash/deliveries"),
    ("barometer", "/dash/barometer"),
    ("queue", "/dash/queue"),
    ("pushes", "/dash/pushes"),
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The coordinator behind a dashboard request, as of this request."""

    member: Member
    cookie: str
    session: WebSession
    view: Oversight
    aliases: TagAliases
    lang: str

    def t(self, key: str, /, **params: object) -> str:
        return text(self.lang, key, **params)

    def csrf_field(self) -> Markup:
        return el("input", type="hidden", name="csrf", value=self.session.csrf)


def _document(lang: str, title: str, header: Child, body: Child) -> str:
    return "<!doctype html>" + el(
        "html",
        el(
            "head",
            el("meta", charset="utf-8"),
            el("meta", name="viewport", content="width=device-width, initial-scale=1"),
            el("meta", name="referrer", content="no-referrer"),
            el("title", title),
            el("link", rel="stylesheet", href="/static/style.css"),
        ),
        el("body", header, el("main", body)),
        lang=lang,
    )


def _header(viewer: Viewer | None, active: str | None, path: str) -> Markup:
    if viewer is None:
        return el("header", el("span", "Riposte", class_="brand"))
    links = [
        el(
            "a",
            viewer.t(f"web.nav.{name}"),
            href=href,
            aria_current="page" if name == active else None,
        )
        for name, href in NAV
    ]
    other = "en" if viewer.lang == "fr" else "fr"
    scope = (
        viewer.t("web.scope.network")
        if viewer.view.network
        else " ".join(f"#{tag}" for tag in sorted(viewer.view.tags))
    )
    return el(
        "header",
        el("span", "Riposte", class_="brand"),
        el("nav", links),
        el("span", viewer.t("web.signed_in", name=viewer.member.display_name, scope=scope),
           class_="who"),
        el(
            "form",
            viewer.csrf_field(),
            el("input", type="hidden", name="lang", value=other),
            el("input", type="hidden", name="back", value=path),
            el("button", viewer.t("web.other_lang"), type="submit", lang=other, id="lang-switch"),
            method="post",
            action="/dash/lang",
        ),
        el(
            "form",
            viewer.csrf_field(),
            el("button", viewer.t("web.logout"), type="submit", id="logout"),
            method="post",
            action="/dash/logout",
        ),
    )


def page(
    lang: str,
    title: str,
    body: Child,
    *,
    viewer: Viewer | None = None,
    active: str | None = None,
    path: str = "/dash/now",
    status: int = 200,
) -> web.Response:
    html = _document(lang, title, _header(viewer, active, path), join(el("h1", title), body))
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def message_page(
    lang: str,
    status: int,
    key: str,
    *,
    viewer: Viewer | None = None,
    link_home: bool = False,
    **params: object,
) -> web.Response:
    """A short page saying what went wrong (or right), with the status that goes with it."""
    title = text(lang, "web.error.title", status=status) if status >= 400 else "Riposte"
    body: list[Child] = [
        el("section", el("p", text(lang, key, **params)), class_="error" if status >= 400
           else "notice")
    ]
    if link_home:
        body.append(el("p", el("a", text(lang, "web.back"), href="/dash/now")))
    return page(lang, title, body, viewer=viewer, status=status)
