"""`riposte run | check-config | migrate | status | backup`.

Settings are loaded once here and passed down; nothing reads config at import.
Exit codes: 0 fine, 2 bad configuration or usage, 3 database refused.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from pathlib import Path

from bot import __version__
from bot.config import ConfigError, Settings, StorageSettings, load_settings
from bot.domain.archive_space import archive_usage, describe_usage, quota_bytes
from bot.log_config import configure_logging
from bot.store import Database, SchemaTooNew

DEFAULT_CONFIG = "config.toml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riposte", description="Riposte chat-ops bot")
    parser.add_argument("--version", action="version", version=f"riposte {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--config",
            "-c",
            default=os.environ.get("RIPOSTE_CONFIG", DEFAULT_CONFIG),
            help="TOML configuration file (default: $RIPOSTE_CONFIG or config.toml)",
        )
        p.add_argument("--database", help="override [storage] database")

    with_config(sub.add_parser("run", help="start the bot"))
    check = sub.add_parser("check-config", help="validate a configuration file and exit")
    check.add_argument("file", nargs="?", help="the file (default: --config)")
    with_config(check)
    with_config(sub.add_parser("migrate", help="apply database migrations and exit"))
    with_config(sub.add_parser("status", help="show the delivery queues"))
    backup = sub.add_parser("backup", help="copy the database consistently, even while running")
    backup.add_argument("destination")
    with_config(backup)
    return parser


def _load(args: argparse.Namespace, path: str | None = None) -> Settings:
    settings = load_settings(path or args.config)
    if getattr(args, "database", None):
        settings = dataclasses.replace(
            settings, storage=StorageSettings(Path(args.database).resolve())
        )
    return settings


async def _migrate(settings: Settings) -> None:
    async with Database.open(settings.storage.database) as db:
        applied = await db.migrate()
        version = await db.schema_version()
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied) or "nothing to apply"
    print(f"{settings.storage.database}: schema version {version} ({names})")


async def _status(settings: Settings) -> None:
    async with Database.open(settings.storage.database) as db:
        await db.migrate()
        async with db.transaction() as tx:
            counts = await tx.outbox.counts(time.time())
            failures = await tx.outbox.failures(10)
            files = await tx.clips.archived_files()
            clip_counts = await tx.clips.status_counts()
    now = time.time()
    print(
        f"{'platform':<10} {'queued':>7} {'in flight':>9} {'sent/min':>8} {'failed':>7}"
        f"  paused until"
    )
    for row in counts:
        paused = (
            time.strftime("%H:%M:%S", time.localtime(row.paused_until))
            + f" ({row.paused_until - now:.0f}s)"
            if row.paused_until
            else "-"
        )
        print(
            f"{row.platform:<10} {row.queued:>7} {row.in_flight:>9} "
            f"{row.sent_last_minute:>8} {row.failed:>7}  {paused}"
        )
    if not counts:
        print("(nothing queued or sent yet)")
    for failure in failures:
        print(
            f"failed #{failure.id} -> {failure.target.platform}:{failure.target.address}: "
            f"{failure.last_error}"
        )
    usage = archive_usage(
        files,
        quota_bytes(settings.archive.max_total_gb),
        clips=clip_counts.get("done", 0),
        expired=clip_counts.get("expired", 0),
    )
    print(describe_usage(usage, settings.archive.dir))


async def _backup(settings: Settings, destination: str) -> None:
    async with Database.open(settings.storage.database) as db:
        await db.backup(Path(destination))
    print(f"backed up {settings.storage.database} to {destination}")


def _describe_ffmpeg(settings: Settings) -> str:
    from bot.archive.ffmpeg import FfmpegMissing, find_ffmpeg

    try:
        return f"archive: ffmpeg {find_ffmpeg(settings.archive.ffmpeg).describe()}"
    except FfmpegMissing as error:
        return f"archive: no ffmpeg ({error}); clips will fail"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check-config":
            settings = _load(args, args.file)
            print(f"{settings.source}: OK")
            print(_describe_ffmpeg(settings))
            return 0
        settings = _load(args)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    configure_logging(settings.logging.level, settings.secrets())
    try:
        if args.command == "run":
            from bot.app import run_app

            return asyncio.run(run_app(settings))
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
        elif args.command == "status":
            asyncio.run(_status(settings))
        elif args.command == "backup":
            asyncio.run(_backup(settings, args.destination))
    except SchemaTooNew as error:
        print(f"{settings.storage.database}: {error}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    return 0
