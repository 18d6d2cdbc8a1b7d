"""The approval queue and the push calendar, with the chat's own actions.

Approve, reject and unpush call the same rules as `approve`, `reject` and
`unpush` in chat (`bot.pushes.decisions`), so the checks are the same (the
scope, four eyes, the lengths per network), the author hears of the decision
in the chat where they submitted, and every refusal lands in the audit log.
A refused or failed action changes nothing and says why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.domain.content import Content, ContentError, ContentStatus
from bot.domain.durations import format_local_time
from bot.domain.ids import Kind, parse_short_id
from bot.domain.oversight import watches
from bot.domain.pushes import Push, PushStatus, occurrences
from bot.pushes import Actor, PushSetup, Refused
from bot.pushes import decisions as rules
from bot.pushes.reports import describe_push
from bot.store import Tx
from bot.web.auth import Forbidden, see_other
from bot.web.html import Markup, el
from bot.web.layout import Viewer, page
from bot.web.runtime import Runtime

QUEUE_SHOWN = 50
PUSHES_SHOWN = 50
UPCOMING_RUNS = 5
RECENT_SECONDS = 7 * 86_400
PREVIEW = 300
T = TypeVar("T")
DONE_KEYS = {
    "approved": "content.approved",
    "rejected": "content.rejected",
    "unpushed": "push.unpushed_clean",
}


def _content_id(content: Content) -> str:
    return content.short_id


def _preview(value: str) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


class WorkflowPages:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def _setup(self) -> PushSetup:
        limits = {name: t.limits for name, t in self._runtime.transports.items()}
        return PushSetup(self._runtime.settings, limits)

    def _time(self, at: float) -> str:
        return format_local_time(at, self._runtime.settings.network.timezone,
                                 self._runtime.clock())

    def _notice(self, request: web.Request, viewer: Viewer) -> Markup | None:
        """What the last action did (after its redirect): only known words and ids."""
        key = DONE_KEYS.get(request.query.get("done", ""))
        shown = parse_short_id(request.query.get("id", "")[:20])
        if key is None or shown is None:
            return None
        return el("section", el("p", viewer.t(key, id=str(shown))), class_="notice",
                  id="done")

    # --- the queue -----------------------------------------------------------------------

    async def pending(self, tx: Tx, viewer: Viewer, limit: int) -> list[Content]:
        """Waiting content this coordinator may decide (as `queue` in chat)."""
        found = await tx.content.with_status(ContentStatus.PENDING, limit=500)
        return [c for c in found if rules.coordinates(viewer.member, c.scope, viewer.aliases)
                ][:limit]

    async def queue(self, request: web.Request, viewer: Viewer) -> web.Response:
        async with self._runtime.reader.read() as tx:
            waiting = await self.pending(tx, viewer, QUEUE_SHOWN)
        items = [self._item(viewer, content) for content in waiting]
        body = [
            self._notice(request, viewer),
            el("section", items or el("p", viewer.t("web.queue.none"), class_="muted"),
               id="queue"),
        ]
        return page(viewer.lang, viewer.t("web.queue.title"), body, viewer=viewer,
                    active="queue", path="/dash/queue")

    def _item(self, viewer: Viewer, content: Content) -> Markup:
        scope = " ".join(f"#{t}" for t in content.scope) or viewer.t("web.scope.network")
        action = f"/dash/queue/{content.short_id}"
        return el(
            "article",
            el("h2", f"{content.short_id} · {content.author_name} · {scope}"),
            el("p", _preview(content.text)),
            el("p", self._time(content.created_at), class_="muted"),
            el("form", viewer.csrf_field(),
               el("button", viewer.t("web.queue.approve"), type="submit", class_="primary",
                  id=f"approve-{content.short_id}"),
               method="post", action=f"{action}/approve", class_="inline"),
            " ",
            el("form", viewer.csrf_field(),
               el("label", viewer.t("web.queue.reason"),
                  el("input", type="text", name="reason", maxlength=500)),
               el("button", viewer.t("web.queue.reject"), type="submit", class_="secondary",
                  id=f"reject-{content.short_id}"),
               method="post", action=f"{action}/reject", class_="inline"),
            class_="card", id=f"content-{content.short_id}",
        )

    async def decide(
        self, request: web.Request, viewer: Viewer, form: dict[str, str]
    ) -> web.StreamResponse:
        short = parse_short_id(request.match_info["content"][:20], Kind.CONTENT)
        decision = request.match_info["decision"]
        if short is None or decision not in ("approve", "reject"):
            raise Forbidden(404, "web.error.not_found")
        setup = self._setup()
        actor = Actor(viewer.member, None, viewer.lang)
        now = self._runtime.clock()
        if decision == "approve":
            decided = await self._act(viewer, "approve", lambda tx: rules.approve(
                tx, setup, short.number, actor, viewer.aliases, now), _content_id)
        else:
            reason = form.get("reason", "").strip() or None
            decided = await self._act(viewer, "reject", lambda tx: rules.reject(
                tx, setup, short.number, actor, reason, viewer.aliases, now), _content_id)
        done = "approved" if decision == "approve" else "rejected"
        return see_other(f"/dash/queue?done={done}&id={decided.short_id}")

    async def _act(
        self,
        viewer: Viewer,
        command: str,
        work: Callable[[Tx], Awaitable[T]],
        what: Callable[[T], str],
    ) -> T:
        """Run one rule in its own transaction; a refusal is audited and shown (403 for a
        right, 409 for a state), and nothing of the rule's own work stays."""
        runtime = self._runtime
        refusal: ContentError | None = None
        async with runtime.db.transaction() as tx:
            try:
                async with tx.savepoint():
                    result = await work(tx)
            except Refused as error:
                refusal = error
                await self._audit(tx, viewer, command, "refused", error.key)
            except ContentError as error:
                refusal = error
            else:
                await self._audit(tx, viewer, command, "done", what(result))
        runtime.on_commit()
        if refusal is not None:
            if isinstance(refusal, Refused):
                status = 403
            elif refusal.key.endswith(".not_found"):
                status = 404
            else:
                status = 409
            raise Forbidden(status, refusal.key, **refusal.params)
        return result

    @staticmethod
    async def _audit(tx: Tx, viewer: Viewer, command: str, outcome: str, detail: str) -> None:
        await tx.audit.record(
            platform="web", user_id=str(viewer.member.id), member_id=viewer.member.id,
            chat_id="dashboard", command=command, outcome=outcome, detail=detail,
        )

    # --- the calendar --------------------------------------------------------------------

    async def calendar(self, request: web.Request, viewer: Viewer) -> web.Response:
        runtime = self._runtime
        now = runtime.clock()
        zone = ZoneInfo(runtime.settings.network.timezone)
        async with runtime.reader.read() as tx:
            found = await tx.pushes.recent(now - RECENT_SECONDS, PUSHES_SHOWN)
            scheduled = {p.id: p for p in await tx.pushes.scheduled()}
            pushes: list[tuple[Push, Content]] = []
            held: set[int] = set()
            for push in [*scheduled.values(), *(p for p in found if p.id not in scheduled)]:
                content = await tx.content.get(push.content_id)
                if content is not None and watches(viewer.view, content.scope, viewer.aliases):
                    pushes.append((push, content))
                    if await tx.pushes.held_run(push.id) is not None:
                        held.add(push.id)
        pushes.sort(key=lambda pc: (pc[0].status is not PushStatus.SCHEDULED,
                                    pc[0].next_at or pc[0].created_at))
        rows = []
        for push, content in pushes[:PUSHES_SHOWN]:
            line = describe_push(push, content, viewer.lang, str(zone), now,
                                 held=push.id in held)
            upcoming = ""
            if push.status is PushStatus.SCHEDULED and push.rule.recurring:
                times = occurrences(push.rule, push.first_at, zone, start=push.runs_done)
                upcoming = ", ".join(
                    datetime.fromtimestamp(t, zone).strftime("%d/%m %H:%M")
                    for t in times[:UPCOMING_RUNS]
                )
            action = None
            if push.status is PushStatus.SCHEDULED:
                action = el("form", viewer.csrf_field(),
                            el("button", viewer.t("web.pushes.unpush"), type="submit",
                               class_="secondary", id=f"unpush-{push.short_id}"),
                            method="post", action=f"/dash/pushes/{push.short_id}/unpush")
            rows.append(el("tr", el("td", line, el("br") if upcoming else None,
                                    el("span", upcoming, class_="muted") if upcoming else None),
                           el("td", action), id=f"push-{push.short_id}"))
        body = [
            self._notice(request, viewer),
            el("section",
               el("div", el("table", el("tbody", rows)), class_="scroll") if rows
               else el("p", viewer.t("web.pushes.none"), class_="muted"), id="pushes"),
        ]
        return page(viewer.lang, viewer.t("web.pushes.title"), body, viewer=viewer,
                    active="pushes", path="/dash/pushes")

    async def unpush(
        self, request: web.Request, viewer: Viewer, form: dict[str, str]
    ) -> web.StreamResponse:
        short = parse_short_id(request.match_info["push"][:20], Kind.PUSH)
        if short is None:
            raise Forbidden(404, "web.error.not_found")
        setup = self._setup()
        actor = Actor(viewer.member, None, viewer.lang)
        now = self._runtime.clock()
        done = await self._act(viewer, "unpush", lambda tx: rules.unpush(
            tx, setup, short.number, actor, viewer.aliases, now), lambda u: u.push.short_id)
        return see_other(f"/dash/pushes?done=unpushed&id={done.push.short_id}")
