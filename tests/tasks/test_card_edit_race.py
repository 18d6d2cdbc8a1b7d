"""A task change rewrites the alert's room copies still queued; a copy another process
took and cleared to go between the read and the rewrite is on its way with the old card,
so it gets an edit instead of being left showing the old state."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.config import NetworkSettings, Settings
from bot.domain import OutgoingMessage, Target, TargetKind
from bot.domain.alerts import AlertDraft, alert_subject
from bot.store import Database, Tx
from bot.store.outbox import CopyRef
from bot.tasks import TaskSetup
from bot.tasks.changes import refresh_alert
from tests.fakes.recording_transport import RecordingTransport

pytestmark = pytest.mark.both_engines


async def test_a_copy_cleared_by_another_worker_meanwhile_gets_an_edit(
    store: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = RecordingTransport()
    setup = TaskSetup(
        Settings(source=tmp_path / "riposte.toml", network=NetworkSettings(lang="fr")),
        {platform.platform: platform.limits},
    )
    rooms = [Target(platform.platform, TargetKind.ROOM, f"#room{n}") for n in range(3)]
    async with store.transaction() as tx:
        dana = (await tx.members.resolve("console", "dana", "dana", None)).id
        alert = await tx.alerts.create(
            AlertDraft("Le député à la télé", None, ()), author_member_id=dana,
            author_name="dana", origin_platform="console", origin_chat_id="#p",
            origin_label="#p", origin_private=False,
        )  # fmt: skip
        card = OutgoingMessage.plain("🚨 Alerte A1")
        await tx.outbox.enqueue_many(
            [(room, card, "fr") for room in rooms], 10, subject=alert_subject(alert.id)
        )
    async with store.transaction() as tx:
        claimed = await tx.outbox.claim_due(platform.platform, 1e12, 2, 30, owner="other")
        cleared, held = sorted(row.id for row in claimed)
        assert set(await tx.outbox.clear_to_send([cleared], "other")) == {cleared}

    async with store.transaction() as tx:
        rows = await tx.outbox.room_copies(alert_subject(alert.id))
        queued = next(row.id for row in rows if row.status == "pending")
        before = await _payloads(tx)

        async def read_before_the_others_took_them(subject: str) -> list[CopyRef]:
            return [CopyRef(row.id, row.target, row.lang, "pending", False) for row in rows]

        monkeypatch.setattr(tx.outbox, "room_copies", read_before_the_others_took_them)
        assert await refresh_alert(tx, setup, alert.id, time.time()) == 3
        after = await _payloads(tx)
        edits = await tx._conn.fetchall("SELECT edit_of FROM outbox WHERE edit_of IS NOT NULL")

    # Queued, and claimed but not cleared: rewritten in place (the worker reloads it).
    assert after[queued] != before[queued] and after[held] != before[held]
    # Cleared meanwhile: left as it goes out, and corrected by an edit.
    assert after[cleared] == before[cleared]
    assert [row[0] for row in edits] == [cleared]


async def _payloads(tx: Tx) -> dict[int, int]:
    rows = await tx._conn.fetchall("SELECT id, payload_id FROM outbox WHERE edit_of IS NULL")
    return {int(r[0]): int(r[1]) for r in rows}
