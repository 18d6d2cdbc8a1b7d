"""Now: open alerts with their rapid-response clock, open tasks; and one alert's clock.

The clock is the one `alerts A17` shows in chat (`bot.domain.timeline`), read
with the same store queries, for the most recent open alerts in scope.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.domain.alerts import Alert
from bot.domain.content import ContentStatus
from bot.domain.durations import format_elapsed, format_local_time
from bot.domain.ids import Kind, parse_short_id
from bot.domain.messages import Counted
from bot.domain.oversight import watches
from bot.domain.tasks import Task, TaskStatus
from bot.domain.timeline import AlertClock, ArchivedClip, alert_clock
from bot.pushes.decisions import coordinates
from bot.pushes.reports import describe_push
from bot.store import Tx
from bot.tasks import cards
from bot.web.auth import Forbidden
from bot.web.html import Markup, el
from bot.web.layout import Viewer, page
from bot.web.runtime import Runtime
from bot.web.scope import scope_filter

ALERTS_SHOWN = 30
CONTENT_SHOWN = 10
TASKS_SHOWN = 50
TEXT_SHOWN = 120
CLOCK_COLUMNS = ("ack", "clip", "rebuttal")


async def clock_of(tx: Tx, alert: Alert) -> AlertClock:
    tasks = await tx.tasks.for_alert(alert.id)
    events = await tx.tasks.events_for_alert(alert.id)
    clip = await tx.clips.first_archived_for_alert(alert.id)
    archived = (
        ArchivedClip(clip.short_id, clip.finished_at.timestamp())
        if clip is not None and clip.finished_at is not None
        else None
    )
    return alert_clock(alert, tasks, events, archived)


def _excerpt(value: str) -> str:
    return value if len(value) <= TEXT_SHOWN else value[: TEXT_SHOWN - 1] + "…"


def _scope_label(viewer: Viewer, scope: tuple[str, ...]) -> str:
    return " ".join(f"#{t}" for t in scope) or viewer.t("web.scope.network")


class NowPage:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def _time(self, at: float) -> str:
        zone = self._runtime.settings.network.timezone
        return format_local_time(at, zone, self._runtime.clock())

    async def now(self, request: web.Request, viewer: Viewer) -> web.Response:
        scope = scope_filter(viewer)
        async with self._runtime.reader.read() as tx:
            alert_ids, open_alerts = await tx.dashboard.open_alerts(scope, ALERTS_SHOWN)
            rows: list[tuple[Alert, AlertClock, list[Task]]] = []
            for alert_id in alert_ids:
                alert = await tx.alerts.get(alert_id)
                if alert is None:
                    continue
                rows.append((alert, await clock_of(tx, alert), await tx.tasks.for_alert(alert_id)))
            task_ids, open_tasks = await tx.dashboard.open_tasks(scope, TASKS_SHOWN)
            tasks = await tx.tasks.many(task_ids)
            waiting = [
                c for c in await tx.content.with_status(ContentStatus.PENDING, limit=500)
                if coordinates(viewer.member, c.scope, viewer.aliases)
            ]
            today = await self._due_today(tx, viewer)
        body = [
            el("section", el("h2", viewer.t("web.now.alerts", n=open_alerts)),
               self._alerts(viewer, rows, open_alerts), id="alerts"),
            el("section", el("h2", viewer.t("web.now.tasks", n=open_tasks)),
               self._tasks(viewer, tasks, open_tasks), id="tasks"),
            el("section", el("h2", viewer.t("web.now.content", n=len(waiting))),
               el("ul", [el("li", el("a", c.short_id, href=f"/dash/queue#content-{c.short_id}"),
                            f" {c.author_name} — {_excerpt(c.text)}")
                         for c in waiting[:CONTENT_SHOWN]])
               if waiting else el("p", viewer.t("web.now.content_none"), class_="muted"),
               id="content"),
            el("section", el("h2", viewer.t("web.now.pushes", n=len(today))),
               el("ul", [el("li", line) for line in today]) if today
               else el("p", viewer.t("web.now.pushes_none"), class_="muted"), id="today"),
        ]
        return page(viewer.lang, viewer.t("web.now.title"), body, viewer=viewer, active="now",
                    path="/dash/now")

    async def _due_today(self, tx: Tx, viewer: Viewer) -> list[str]:
        """Pushes with a run due before midnight (network time), in the viewer's scope."""
        now = self._runtime.clock()
        zone = ZoneInfo(self._runtime.settings.network.timezone)
        midnight = datetime.combine(
            datetime.fromtimestamp(now, zone).date() + timedelta(days=1), time(), zone
        ).timestamp()
        found: list[str] = []
        for push in await tx.pushes.scheduled():
            if push.next_at is None or push.next_at >= midnight:
                continue
            content = await tx.content.get(push.content_id)
            if content is not None and watches(viewer.view, content.scope, viewer.aliases):
                found.append(describe_push(push, content, viewer.lang, str(zone), now))
        return found

    def _alerts(
        self, viewer: Viewer, rows: list[tuple[Alert, AlertClock, list[Task]]], total: int
    ) -> Markup:
        if not rows:
            return el("p", viewer.t("web.now.alerts_none"), class_="muted")
        head = el("tr", [el("th", viewer.t(f"web.now.col.{c}")) for c in
                         ("alert", "raised", *CLOCK_COLUMNS, "tasks")])
        lines = []
        for alert, clock, tasks in rows:
            cells = [
                el("td", el("a", alert.short_id, href=f"/dash/alerts/{alert.short_id}"),
                   " ", el("span", _excerpt(alert.text)), el("br"),
                   el("span", f"{alert.author_name} · {alert.origin_label} · "
                              f"{_scope_label(viewer, alert.scope)}", class_="muted")),
                el("td", self._time(clock.raised_at)),
            ]
            for measure in CLOCK_COLUMNS:
                seconds = clock.firsts.get(measure)
                cells.append(
                    el("td", viewer.t("web.now.after", after=format_elapsed(seconds)),
                       class_="n")
                    if seconds is not None
                    else el("td", viewer.t("web.never"), class_="n muted")
                )
            counts = {s: sum(t.status is s for t in tasks) for s in TaskStatus}
            cells.append(el("td", viewer.t(
                "web.now.task_counts",
                open=Counted("count.tasks_free",
                             counts[TaskStatus.OPEN] + counts[TaskStatus.EXPIRED]),
                claimed=Counted("count.tasks_taken", counts[TaskStatus.CLAIMED]),
                done=Counted("count.tasks_done", counts[TaskStatus.DONE]),
            )))
            lines.append(el("tr", cells, id=f"alert-{alert.short_id}"))
        more = el("p", viewer.t("web.now.more", n=total - len(rows)), class_="muted") \
            if total > len(rows) else None
        return el("div", el("div", el("table", el("thead", head), el("tbody", lines)),
                            class_="scroll"), more)

    def _tasks(self, viewer: Viewer, tasks: list[Task], total: int) -> Markup:
        if not tasks:
            return el("p", viewer.t("web.now.tasks_none"), class_="muted")
        zone = self._runtime.settings.network.timezone
        now = self._runtime.clock()
        head = el("tr", [el("th", viewer.t(f"web.now.col.{c}")) for c in
                         ("task", "state", "scope", "due")])
        lines = [
            el(
                "tr",
                el("td", cards.title(task, viewer.lang),
                   el("br") if task.text else None,
                   el("span", _excerpt(task.text), class_="muted") if task.text else None),
                el("td", cards.state(task, viewer.lang, zone, now)),
                el("td", _scope_label(viewer, task.scope)),
                el("td", format_local_time(task.due_at, zone, now) if task.due_at
                   else viewer.t("web.never")),
                id=f"task-{task.short_id}",
            )
            for task in tasks
        ]
        more = el("p", viewer.t("web.now.more", n=total - len(tasks)), class_="muted") \
            if total > len(tasks) else None
        return el("div", el("div", el("table", el("thead", head), el("tbody", lines)),
                            class_="scroll"), more)

    async def alert(self, request: web.Request, viewer: Viewer) -> web.Response:
        """One alert's clock; an alert outside the coordinator's scope is not shown."""
        short = parse_short_id(request.match_info["alert"][:20], Kind.ALERT)
        if short is None:
            raise Forbidden(404, "web.error.not_found")
        async with self._runtime.reader.read() as tx:
            alert = await tx.alerts.get(short.number)
            if alert is None:
                raise Forbidden(404, "web.error.not_found")
            if not watches(viewer.view, alert.scope, viewer.aliases):
                raise Forbidden(403, "web.forbidden_scope")
            clock = await clock_of(tx, alert)
        lines = []
        for entry in clock.entries:
            what = cards.clock_line(clock, entry, viewer.lang, self._time(entry.at))
            lines.append(el("li", what))
        body = el(
            "section",
            el("p", alert.text),
            el("p", viewer.t("web.alert.by", author=alert.author_name, origin=alert.origin_label,
                             at=self._time(clock.raised_at)), class_="muted"),
            el("h2", viewer.t("web.alert.clock")),
            el("ol", lines, class_="clock-lines"),
        )
        return page(viewer.lang, viewer.t("web.alert.title", id=alert.short_id), body,
                    viewer=viewer, active="now", path=f"/dash/alerts/{alert.short_id}")
