"""`riposte run | worker | check-config | migrate | status | backup | health | copy-db`.

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
import logging
import os
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot import __version__
from bot.cluster import ALL_ROLES, RoleError, parse_roles
from bot.config import POSTGRES_SCHEMES, ConfigError, Settings, load_settings
from bot.domain.archive_space import archive_usage, describe_usage, quota_bytes
from bot.log_config import configure_logging
from bot.redaction import Redactor
from bot.store import Database
from bot.store.database import DatabaseMissing, SchemaRefused, describe
from bot.store.instance import AlreadyRunning, InstanceLock, TransportLink, is_locked
from bot.store.postgres import DatabaseUnavailable
from bot.store.processes import STALE_SECONDS

DEFAULT_CONFIG = "config.toml"
EXIT_UNHEALTHY = 1
EXIT_REFUSED = 2
HEALTHY_HEARTBEAT_SECONDS = 60.0

log = logging.getLogger(__name__)


class UsageError(RuntimeError):
    """A command line that cannot be carried out as given; the message says why."""


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

    run = sub.add_parser("run", help="start the bot")
    run.add_argument(
        "--only",
        help="PostgreSQL: only these roles, e.g. transports,commands "
        f"(known: {', '.join(sorted(ALL_ROLES))})",
    )
    with_config(run)
    worker = sub.add_parser("worker", help="PostgreSQL: a delivery or archive worker")
    worker.add_argument("role", choices=("delivery", "archive"))
    with_config(worker)
    with_config(sub.add_parser("web", help="PostgreSQL: a web server process ([web] section)"))
    copy = sub.add_parser(
        "copy-db", help="copy every row of a store into a new one (SQLite file or postgresql://)"
    )
    copy.add_argument("source")
    copy.add_argument("target")
    with_config(copy)
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


def _target(value: str) -> Path | str:
    """A store given on the command line: a PostgreSQL URL as is, a path made absolute."""
    return value if value.startswith(POSTGRES_SCHEMES) else Path(value).resolve()


def _load(args: argparse.Namespace, path: str | None = None) -> Settings:
    settings = load_settings(path or args.config)
    if getattr(args, "database", None):
        storage = dataclasses.replace(settings.storage, database=_target(args.database))
        settings = dataclasses.replace(settings, storage=storage)
    return settings


@asynccontextmanager
async def _open(settings: Settings, *, readonly: bool = False) -> AsyncIterator[Database]:
    storage = settings.storage
    async with Database.open(
        storage.database,
        readonly=readonly,
        password=storage.password_value,
        application="riposte cli",
    ) as db:
        yield db


async def _migrate(settings: Settings) -> None:
    # Never under a running bot: its code expects the schema it started with.
    storage = settings.storage
    if storage.url is not None:
        async with _open(settings) as db:
            others = []
            if PROCESSES_MIGRATION in await db.applied_versions():
                async with db.reading() as tx:
                    others = [p for p in await tx.processes.all() if _alive(p.heartbeat_at)]
            if others:
                raise AlreadyRunning(
                    f"{describe(storage.url)}: {len(others)} riposte process(es) still work on "
                    f"this database ({', '.join(f'pid {p.pid} on {p.host}' for p in others)}); "
                    "stop them first"
                )
            applied = await db.migrate()
            version = await db.schema_version()
    else:
        lock = InstanceLock(storage.path)
        lock.acquire()
        try:
            async with _open(settings) as db:
                applied = await db.migrate()
                version = await db.schema_version()
        finally:
            lock.release()
    names = ", ".join(m.filename for m in applied) or "nothing to apply"
    print(f"{describe(storage.database)}: schema version {version} ({names})")


PROCESSES_MIGRATION = 13
"""The migration that made the `processes` table (older stores have none to look at)."""


def _alive(heartbeat_at: float) -> bool:
    return time.time() - heartbeat_at < STALE_SECONDS


def _ago(moment: float, now: float) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))
    return f"{stamp} ({now - moment:.0f}s ago)"


async def _status(settings: Settings) -> None:
    redact = Redactor(settings.secrets())
    async with _open(settings, readonly=True) as db:
        await db.check_current()
        async with db.reading() as tx:
            processes = await tx.processes.all()
            instance = await tx.running.current()
            counts = await tx.outbox.counts(time.time())
            failures = await tx.outbox.failures(10)
            retrying = await tx.outbox.retrying(10)
            files = await tx.clips.archived_files()
            clip_counts = await tx.clips.status_counts()
            links = await tx.running.links(time.time() - HEALTHY_HEARTBEAT_SECONDS)
    now = time.time()
    storage = settings.storage
    if storage.url is not None:
        alive = [p for p in processes if _alive(p.heartbeat_at)]
        running = any(p.state == "active" and {"transports", "commands"} <= set(p.roles)
                      for p in alive)  # fmt: skip
    else:
        alive = []
        running = is_locked(storage.path)
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
    if links and (running or storage.url is not None):
        print("links: " + ", ".join(_describe_link(link, now) for link in links))
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
    if storage.url is not None:
        print(f"processes ({len(alive)} alive):")
        for p in processes:
            state = p.state if _alive(p.heartbeat_at) else "gone"
            print(
                f"  {p.id} {','.join(p.roles):<28} {state:<8} pid {p.pid} on {p.host},"
                f" since {_ago(p.started_at, now)}, heartbeat {now - p.heartbeat_at:.0f}s ago"
            )


def _describe_link(link: TransportLink, now: float) -> str:
    if link.up or link.down_since is None:
        return f"{link.platform} up"
    since = time.strftime("%H:%M:%S", time.localtime(link.down_since))
    return f"{link.platform} DOWN for {now - link.down_since:.0f}s (since {since})"


def _down_too_long(links: list[TransportLink], limit: float, now: float) -> list[str]:
    """Platforms down for longer than `[web] health_down_after`, as `/healthz` judges."""
    return [
        f"{link.platform} down for {now - link.down_since:.0f}s"
        for link in links
        if not link.up and link.down_since is not None and now - link.down_since > limit
    ]


def _check_backup(destination: str) -> None:
    target = Path(destination)
    if target.is_dir():
        raise UsageError(f"{destination} is a directory: give the backup's file name")
    if not target.parent.is_dir():
        raise UsageError(f"{target.parent}: no such directory")


def _check_copy(source: str, target: str) -> None:
    """Before anything is opened: opening a SQLite path creates it, and a typo in the
    source must not become an empty store copied over."""
    source_store, target_store = _target(source), _target(target)
    if source_store == target_store:
        raise UsageError("the source and the target are the same store")
    if isinstance(source_store, Path) and not source_store.is_file():
        raise UsageError(f"{source}: no such database")
    if isinstance(target_store, Path) and not target_store.parent.is_dir():
        raise UsageError(f"{target_store.parent}: no such directory")


async def _backup(settings: Settings, destination: str) -> None:
    async with _open(settings, readonly=True) as db:
        await db.backup(Path(destination))
    print(f"backed up {describe(settings.storage.database)} to {destination}")


async def _copy(settings: Settings, source: str, target: str) -> None:
    from bot.store.copy import copy_database

    password = settings.storage.password_value
    async with (
        Database.open(_target(source), password=password, application="riposte copy-db") as src,
        Database.open(_target(target), password=password, application="riposte copy-db") as dst,
    ):
        copied = await copy_database(src, dst)
    total = sum(c.target for c in copied)
    for c in copied:
        print(f"{c.table:<20} {c.source:>10} -> {c.target:>10}")
    print(f"copied {total} rows from {describe(source)} to {describe(target)}; counts match")


async def _health(settings: Settings) -> int:
    """For HEALTHCHECK and monitoring: the process holds the lock and its loop writes.

    PostgreSQL: the processes of this host (a container: this container's) have a fresh
    heartbeat, standbys included."""
    storage = settings.storage
    if storage.url is not None:
        host = socket.gethostname()
        async with _open(settings, readonly=True) as db, db.reading() as tx:
            here = [p for p in await tx.processes.all() if p.host == host]
            links = await tx.running.links(time.time() - HEALTHY_HEARTBEAT_SECONDS)
        fresh = [p for p in here if time.time() - p.heartbeat_at <= HEALTHY_HEARTBEAT_SECONDS]
        if not fresh:
            print(f"unhealthy: no riposte process with a fresh heartbeat on {host}")
            return EXIT_UNHEALTHY
        down = _down_too_long(links, settings.web.health_down_after, time.time())
        if down and any(p.state == "active" and "transports" in p.roles for p in fresh):
            print("unhealthy: " + ", ".join(down))
            return EXIT_UNHEALTHY
        print("healthy: " + ", ".join(f"pid {p.pid} ({p.state})" for p in fresh))
        return 0
    database = storage.path
    if not is_locked(database):
        print(f"unhealthy: no riposte is running on {database}")
        return EXIT_UNHEALTHY
    async with _open(settings, readonly=True) as db, db.reading() as tx:
        instance = await tx.running.current()
        links = await tx.running.links(time.time() - HEALTHY_HEARTBEAT_SECONDS)
    age = time.time() - instance.heartbeat_at if instance is not None else None
    if age is None or age > HEALTHY_HEARTBEAT_SECONDS:
        print(f"unhealthy: no heartbeat for {age or 0:.0f}s (the bot is stuck or starting)")
        return EXIT_UNHEALTHY
    down = _down_too_long(links, settings.web.health_down_after, time.time())
    if down:
        print("unhealthy: " + ", ".join(down))
        return EXIT_UNHEALTHY
    print(f"healthy: pid {instance.pid if instance else '?'}, heartbeat {age:.0f}s ago")
    return 0


def _roles(args: argparse.Namespace, settings: Settings) -> frozenset[str]:
    if args.command == "worker":
        roles = frozenset({args.role})
    elif args.command == "web":
        roles = frozenset({"web"})
    elif args.only:
        roles = parse_roles(args.only)
    else:
        return ALL_ROLES
    if settings.storage.url is None and roles != ALL_ROLES:
        raise RoleError(
            "one process does everything on SQLite; splitting roles needs a PostgreSQL store "
            '([storage] database = "postgresql://…")'
        )
    return roles


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
        if args.command in ("run", "worker", "web"):
            roles = _roles(args, settings)
            from bot.app import run_app

            return asyncio.run(run_app(settings, roles))
        if args.command == "copy-db":
            _check_copy(args.source, args.target)
            asyncio.run(_copy(settings, args.source, args.target))
        elif args.command == "migrate":
            asyncio.run(_migrate(settings))
        elif args.command == "status":
            asyncio.run(_status(settings))
        elif args.command == "backup":
            _check_backup(args.destination)
            asyncio.run(_backup(settings, args.destination))
        elif args.command == "health":
            return asyncio.run(_health(settings))
    except (RoleError, UsageError) as error:
        print(f"riposte {args.command}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except (SchemaRefused, DatabaseMissing) as error:
        where = (
            f"riposte {args.command}"
            if args.command == "copy-db"
            else describe(settings.storage.database)
        )
        print(f"{where}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except DatabaseUnavailable as error:
        print(f"cannot use the database: {error}", file=sys.stderr)
        return EXIT_UNHEALTHY
    except AlreadyRunning as error:
        print(str(error), file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except (OSError, sqlite3.Error) as error:
        # A file that is not a database, a directory, a disk full, a permission: one line.
        log.debug("riposte %s failed", args.command, exc_info=True)
        where = "" if args.command == "copy-db" else f"{describe(settings.storage.database)}: "
        print(f"riposte {args.command}: {where}{_one_line(error)}", file=sys.stderr)
        return EXIT_UNHEALTHY
    return 0


def _one_line(error: BaseException) -> str:
    """An error as one line: its message, else its type."""
    text = " ".join(str(error).split())
    return text or type(error).__name__
