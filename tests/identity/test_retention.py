"""Retention: old alerts (with their acks and tasks), audit rows, spent codes and export
files go, in small batches that stop promptly; `[privacy]` is checked like any section."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, PrivacySettings, load_settings
from bot.domain.alerts import AlertDraft
from bot.privacy import Retention
from bot.store import Database
from tests.fakes.engines import target_for

pytestmark = pytest.mark.both_engines

DAY = 86_400.0


async def test_what_is_older_than_the_retention_goes_and_the_rest_stays(
    tmp_path: Path,
) -> None:
    now = time.time()
    exports = tmp_path / "exports"
    exports.mkdir()
    old_file = exports / "riposte-export-M1-20200101-000000-aaaaaa.json"
    new_file = exports / "riposte-export-M1-20990101-000000-bbbbbb.json"
    for path in (old_file, new_file):
        path.write_text("{}")
    os.utime(old_file, (now - 2 * DAY, now - 2 * DAY))
    async with Database.open(target_for(tmp_path, "r.db")) as db:
        await db.migrate()
        async with db.transaction() as tx:
            member = await tx.members.resolve("console", "dana", "dana", None)
            for age in (400, 366, 10):
                alert = await tx.alerts.create(
                    AlertDraft(f"{age} days", None, ()),
                    author_member_id=member.id,
                    author_name="dana",
                    origin_platform="console",
                    origin_chat_id="#p",
                    origin_label="#p",
                    origin_private=False,
                    now=now - age * DAY,
                )
                await tx.alerts.ack(alert.id, member.id, "dana", now - age * DAY)
            for i in range(1_200):
                await tx.audit.record(
                    platform="console",
                    user_id="dana",
                    member_id=member.id,
                    chat_id="#p",
                    command="join",
                    outcome="done",
                    at=now - (400 if i < 1_100 else 1) * DAY,
                )
            await tx.identities.add_code(
                "link", member.id, "h1", now=now - 3 * DAY, expires_at=now - 3 * DAY + 600
            )
            await tx.identities.add_code("link", member.id, "h2", now=now, expires_at=now + 600)
        settings = PrivacySettings(keep_audit_days=365, keep_alerts_days=365, export_dir=exports)
        done = await Retention(db, settings, clock=lambda: now).purge()
        assert done == {
            "alerts": 2, "tasks": 0, "clips": 0, "audit": 1_100, "codes": 1, "exports": 1
        }
        async with db.transaction() as tx:
            left = await tx.alerts.recent(10)
            assert [a.text for a in left] == ["10 days"] and len(left[0].acks) == 1
            assert len(await tx.audit.recent(500)) == 100
            assert await tx.identities.find_code("h2", "link") is not None
        assert not old_file.exists() and new_file.exists()

        # 0 keeps all; a stop ends a pass between two batches.
        keep_all = PrivacySettings(keep_audit_days=0, keep_alerts_days=0, export_dir=exports)
        assert (await Retention(db, keep_all).purge()).keys() == {"codes", "exports"}
        stopped = Retention(db, settings, clock=lambda: now + 1_000 * DAY)
        stopped.stop()
        assert (await stopped.purge())["audit"] == 0


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_privacy_keys_are_read_and_checked(tmp_path: Path) -> None:
    settings = load_settings(
        _write(tmp_path, "[privacy]\nkeep_audit_days = 90\nkeep_delivery_days = 7\n"), environ={}
    )
    assert settings.privacy.keep_audit_days == 90
    assert settings.privacy.keep_alerts_days == 365
    assert settings.delivery.keep_days == 7 and settings.privacy.keep_delivery_days == 7
    assert settings.privacy.export_dir == tmp_path / "exports"
    legacy = load_settings(_write(tmp_path, "[delivery]\nkeep_days = 12\n"), environ={})
    assert legacy.privacy.keep_delivery_days == 12
    with pytest.raises(ConfigError) as error:
        load_settings(
            _write(
                tmp_path,
                "[delivery]\nkeep_days = 12\n[privacy]\nkeep_delivery_days = 7\n"
                "keep_alerts_days = -1\nexports_per_hour = 0\n",
            ),
            environ={},
        )
    text = str(error.value)
    assert "privacy.keep_delivery_days: is the same setting as delivery.keep_days" in text
    assert "privacy.keep_alerts_days: expected a number >= 0" in text
    assert "privacy.exports_per_hour: expected an integer >= 1" in text
