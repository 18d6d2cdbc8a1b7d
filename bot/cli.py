"""`riposte run | check-config | migrate | status | backup | health`.

Settings are loaded once here and passed down; nothing reads config at import.
Exit codes: 0 fine; 1 `health` found the bot not running or stuck; 2 bad
configuration or usage, a database this build must not touch (migrations
changed or unknown), or another riposte already running on the database.
`status`, `backup` and `health` only read: they never create a database nor
change its schema.
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
from bot.redaction import Redactor
from bot.store import Database
from bot.store.database import DatabaseMissing, SchemaRefused
from bot.store.instance import AlreadyRunning, InstanceLock, is_locked

DEFAULT_CONFIG = "config.toml"
EXIT_UNHEALTHY = 1
EXIT_REFUSED = 2
HEALTHY_HEARTBEAT_SECONDS = 60.0


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
    with_config(sub.add_parser("health", help="exit 0 if the bot is running and responsive"))
    return parser


def _load(args: argparse.Namespace, path: str | None = None) -> Settings:
    settings = load_settings(path or args.config)
    if getattr(args, "database", None):
        settings = dataclasses.replace(
            settings, storage=StorageSettings(Path(args.database).resolve())
        )
    return settings


async def _migrate(settings: Settings) -> None:
    # Never under a running bot: its code expects the schema it started with.
    lock = InstanceLock(settings.storage.database)
    lock.acquire()
    try:
        async with Database.open(settings.storage.database) as db:
            applied = await db.migrate()
            version = await db.schema_version()
    finally:
        lock.release()
    names = ", ".join(m.filename for m in applied) or "nothing to apply"
    print(f"{settings.storage.database}: schema version {version} ({names})")


def _ago(moment: float, now: float) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))
    return f"{stamp} ({now - moment:.0f}s ago)"


async def _status(settings: Settings) -> None:
    redact = Redactor(settings.secrets())
    async with Database.open(settings.storage.database, readonly=True) as db:
        await db.check_current()
        async with db.reading() as tx:
            instance = await tx.running.current()
            counts = await tx.outbox.counts(time.time())
            failures = await tx.outbox.failures(10)
            retrying = await tx.outbox.retrying(10)
            files = await tx.clips.archived_files()
            clip_counts = await tx.clips.status_counts()
    now = time.time()
    running = is_locked(settings.storage.database)
    if instance is None:
        print("bot: never started on this database")
    elif running:
        print(
            f"bot: running, pid {instance.pid} on {instance.host}, since "
            f"{_ago(instance.started_at, now)}, heartbeat {now - instance.heartbeat_at:.0f}s ago"
        )
    else:
        ended = instance.stopped_at
        print(
            "bot: not running"
            + (f", stopped {_ago(ended, now)}" if ended else ", it did not stop cleanly")
        )
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
            f"{redact(failure.last_error or '')}"
        )
    for waiting in retrying:
        print(
            f"retrying #{waiting.id} -> {waiting.target.platform}:{waiting.target.address} "
            f"(try {waiting.attempts}, {waiting.rate_limited} rate-limited): "
            f"{redact(waiting.last_error or '')}"
        )
    usage = archive_usage(
        files,
        quota_bytes(settings.archive.max_total_gb),
        clips=clip_counts.get("done", 0),
        expired=clip_counts.get("expired", 0),
    )
    print(describe_usage(usage, settings.archive.dir))


async def _backup(settings: Settings, destination: str) -> None:
    async with Database.open(settings.storage.database, readonly=True) as db:
        await db.backup(Path(destination))
    print(f"backed up {settings.storage.database} to {destination}")


async def _health(settings: Settings) -> int:
    """For HEALTHCHECK and monitoring: the process holds the lock and its loop writes."""
    database = settings.storage.database
    if not is_locked(database):
        print(f"unhealthy: no riposte is running on {database}")
        return EXIT_UNHEALTHY
    async with Database.open(database, readonly=True) as db, db.reading() as tx:
        instance = await tx.running.current()
    age = time.time() - instance.heartbeat_at if instance is not None else None
    if age is None or age > HEALTHY_HEARTBEAT_SECONDS:
        print(f"unhealthy: no heartbeat for {age or 0:.0f}s (the bot is stuck or starting)")
        return EXIT_UNHEALTHY
    print(f"healthy: pid {instance.pid if instance else '?'}, heartbeat {age:.0f}s ago")
    return 0


def _describe_ffmpeg(settings: Settings) -> str:
    from bot.archive.ffmpeg import FfmpegMissing, find_ffmpeg

    try:
        return f"archive: ffmpeg {find_ffmpeg(settings.archive.ffmpeg).describe()}"
    except FfmpegMissing as error:
        return f"archive: no ffmpeg ({error}); clips will fail"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "health":
        # A health check answers 0 or 1, nothing else (Docker reserves 2).
        return 0 if _main(args) == 0 else EXIT_UNHEALTHY
    return _main(args)


def _main(args: argparse.Namespace) -> int:
    try:
        if args.command == "check-config":
            settings = _load(args, args.file)
            print(f"{settings.source}: OK")
            print(_describe_ffmpeg(settings))
            return 0
        settings = _load(args)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        if not Path(error.source).exists():
            print(
                "give the configuration with --config FILE or RIPOSTE_CONFIG "
                "(in Docker: mount it at /etc/riposte/config.toml)",
                file=sys.stderr,
            )
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
        elif args.command == "health":
            return asyncio.run(_health(settings))
    except (SchemaRefused, DatabaseMissing) as error:
        print(f"{settings.storage.database}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except AlreadyRunning as error:
        print(str(error), file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    return 0
