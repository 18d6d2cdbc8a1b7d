"""Parts, leases, rate-limit caps, purging and secrets: the delivery engine under faults,
with the real Telegram transport against the fake Bot API where a platform is involved."""

from __future__ import annotations

import asyncio
import collections
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.delivery import DeliveryEngine, merge
from bot.domain import OutgoingMessage, Target, TargetKind
from bot.domain.messages import Span
from bot.redaction import Redactor
from bot.store import Database, Priority
from bot.store.outbox import Sent
from bot.transports.base import RateLimited
from bot.transports.telegram.render import MAX_TEXT_UTF16, utf16_len
from tests.fakes.config_files import write_config
from tests.fakes.recording_transport import RecordingTransport
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_delivery import FIRST_USER, delivering

GROUP = -1001000000077



@pytest.fixture
async def db(store: Database) -> Database:
    """The store on the engine of the run (both engines)."""
    return store


def _status(folder: Path) -> subprocess.CompletedProcess[str]:
    """`riposte status` on the database in `folder`, with no secret configured."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "status", "--config", str(write_config(folder))],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip


def _three_parts() -> str:
    """Three paragraphs of 4,004 characters: three Telegram messages, one each."""
    return "\n\n".join(f"§{n:02d} " + "mot " * 1000 for n in range(3))


async def test_a_part_out_before_a_stop_is_not_sent_again_after_the_restart(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    db_path = tmp_path / "d.db"
    text = _three_parts()

    def part_2(params: dict[str, object]) -> bool:
        return "§01" in str(params.get("text"))

    api.fail_next("sendMessage", "slow", count=1, delay=30, when=part_2)
    async with delivering(db_path, api.base_url, api.token, request_timeout=30) as running:
        await running.enqueue([GROUP], text, Priority.ALERT, kind=TargetKind.ROOM)
        await api.wait_for(lambda: api.started["sendMessage"] >= 2)
        running.engine.stop(grace=0.2)  # part 2 hangs: given back, part 1 recorded
    async with Database.open(db_path) as db, db.transaction() as tx:
        row = await tx.outbox.get(1)
    assert row is not None and row.status == "pending" and row.parts_sent == 1
    async with delivering(db_path, api.base_url, api.token) as running:
        running.engine.wake()
        await api.wait_for(lambda: len(api.sent_to(GROUP)) >= 3)
        assert await running.engine.wait_idle(10)
    parts = [m.text for m in api.sent_to(GROUP)]
    markers = collections.Counter(w for part in parts for w in part.split() if "§" in w)
    assert markers == {"§00": 1, "§01": 1, "§02": 1}
    async with Database.open(db_path) as db, db.transaction() as tx:
        done = await tx.outbox.get(1)
    assert done is not None and done.sent_ref is not None and len(done.sent_ref.message_ids) == 3


async def test_an_edit_of_a_split_message_changes_every_part(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    text = _three_parts()
    async with delivering(tmp_path / "d.db", api.base_url, api.token) as running:
        await running.enqueue([GROUP], text, Priority.ALERT, kind=TargetKind.ROOM)
        await api.wait_for(lambda: len(api.sent_to(GROUP)) >= 3)
        assert await running.engine.wait_idle(10)
        short = OutgoingMessage.plain("[annulée] " + text[:100])
        async with running.db.transaction() as tx:
            await tx.outbox.enqueue(
                Target("telegram", TargetKind.ROOM, str(GROUP)), short, Priority.ALERT, edit_of=1
            )
        running.engine.wake()
        await api.wait_for(lambda: all(m.edits for m in api.sent_to(GROUP)))
        assert await running.engine.wait_idle(10)
    assert [m.text for m in api.sent_to(GROUP)] == [short.text.strip(), "…", "…"]


def test_merged_messages_are_measured_in_utf16_units_and_stay_one_telegram_message() -> None:
    alerts = [OutgoingMessage((Span(f"🚨 A{i} " + "🔥" * 700),)) for i in range(6)]
    merged, used = merge(alerts, MAX_TEXT_UTF16, lambda m: utf16_len(m.text))
    assert 1 < used < 6
    assert utf16_len(merged.text) <= MAX_TEXT_UTF16
    by_characters, more = merge(alerts, MAX_TEXT_UTF16)
    assert utf16_len(by_characters.text) > MAX_TEXT_UTF16 and more > used  # the old count


async def _engine(db: Database, transport: RecordingTransport, **options: object) -> DeliveryEngine:
    return DeliveryEngine(db, {transport.platform: transport}, **options)  # type: ignore[arg-type]


async def test_rate_limit_answers_are_capped_then_the_delivery_fails_visibly(
    tmp_path: Path,
) -> None:
    transport = RecordingTransport(platform="tg")
    transport.fail_next(*[RateLimited(0.01) for _ in range(10)], address="u1")
    async with Database.open(tmp_path / "riposte.db") as db:
        await db.migrate()
        async with db.transaction() as tx:
            await tx.outbox.enqueue(
                Target("tg", TargetKind.USER, "u1"), OutgoingMessage.plain("x"), Priority.ALERT
            )
        engine = await _engine(db, transport, max_rate_limited=3)
        task = asyncio.create_task(engine.run())
        assert await engine.wait_idle(10)
        engine.stop()
        await task
    assert transport.sent == []
    status = await asyncio.to_thread(_status, tmp_path)
    assert "failed #1 -> tg:u1: gave up after 3 rate-limit answers" in status.stdout


async def test_claims_are_leases_taken_back_only_when_expired(db: Database) -> None:
    target = Target("tg", TargetKind.USER, "u1")
    async with db.transaction() as tx:
        for _ in range(2):
            await tx.outbox.enqueue(target, OutgoingMessage.plain("x"), Priority.ALERT)
    now = time.time()
    async with db.transaction() as tx:
        first = await tx.outbox.claim_due("tg", now, 1, 60, owner="a")
        assert await tx.outbox.take_back_expired("tg", now + 30) == 0
        assert await tx.outbox.claim_due("tg", now + 30, 10, 60, owner="b") != []
        assert [r.id for r in await tx.outbox.claim_due("tg", now, 10, 60, owner="b")] == []
        assert await tx.outbox.take_back_expired("tg", now + 61) == 1  # a's claim ran out
        await tx.outbox.record([Sent(first[0].id, None, now)], owner="a")  # too late
        late = await tx.outbox.get(first[0].id)
        assert late is not None and late.status == "pending"
        assert await tx.outbox.release_all_leases(except_owner="b") == 0
        assert await tx.outbox.release_all_leases(except_owner="c") == 1


async def test_purge_takes_finished_rows_and_their_payloads_keeping_what_an_edit_needs(
    db: Database,
) -> None:
    target = Target("tg", TargetKind.ROOM, "-100")
    async with db.transaction() as tx:
        done = await tx.outbox.enqueue(target, OutgoingMessage.plain("old"), Priority.ALERT)
        edited = await tx.outbox.enqueue(target, OutgoingMessage.plain("old 2"), Priority.ALERT)
        await tx.outbox.enqueue(
            target, OutgoingMessage.plain("edit"), Priority.ALERT, edit_of=edited
        )
        await tx.outbox.claim_due("tg", 1e12, 2, 60)
        await tx.outbox.record([Sent(done, None, 1.0), Sent(edited, None, 1.0)])
    engine = DeliveryEngine(db, {}, keep_days=1, clock=lambda: time.time() + 2 * 86_400)
    assert await engine.purge() == 1
    async with db.transaction() as tx:
        assert await tx.outbox.get(done) is None
        assert await tx.outbox.get(edited) is not None
        bodies = [row[0] for row in await tx._conn.fetchall("SELECT body FROM outbox_payloads")]
    assert not any('"old"' in body for body in bodies) and len(bodies) == 2


def test_redaction_masks_tokens_urls_credentials_and_configured_secrets() -> None:
    redact = Redactor(["hunter2-secret"])
    text = (
        "url='http://127.0.0.1:8080/bot123456:TEST-token-for-the-fake-api/sendMessage' "
        "https://user:pass@example.org/x password=hunter2-secret Authorization: Bot "
        + ".".join(("MTIzNDU2Nzg5MDEyMzQ1Njc4", "GhIjKl", "abcdefghijklmnopqrstuvwxyz12345"))
        + " ?token=abc&x=1"
    )
    masked = redact(text)
    for secret in ("TEST-token", "user:pass", "hunter2", "GhIjKl", "token=abc"):
        assert secret not in masked
    assert "https://***@example.org/x" in masked and "&x=1" in masked


async def test_a_token_in_a_failure_is_never_stored_nor_shown_by_status(
    tmp_path: Path, api: FakeTelegramAPI, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("bot.delivery.sending.backoff_delay", lambda attempts: 60.0)
    # A redirect loop: the HTTP client's error quotes the URL, which holds the token.
    api.fail_next("sendMessage", "redirect", count=1000)
    db_path = tmp_path / "riposte.db"
    async with delivering(db_path, api.base_url, api.token) as running:
        await running.enqueue([FIRST_USER], "Alerte A1", Priority.ALERT)
        await api.wait_for(lambda: api.started["sendMessage"] >= 10)
        for _ in range(100):
            async with running.db.transaction() as tx:
                row = await tx.outbox.get(1)
            if row is not None and row.last_error:
                break
            await asyncio.sleep(0.05)
    assert row is not None and row.last_error and "TooManyRedirects" in row.last_error
    assert api.token not in row.last_error and "***" in row.last_error
    status = await asyncio.to_thread(_status, tmp_path)
    assert "retrying #1 -> telegram:100000" in status.stdout
    assert api.token not in status.stdout + status.stderr
    assert api.token not in caplog.text
