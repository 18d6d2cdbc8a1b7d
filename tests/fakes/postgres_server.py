"""A real PostgreSQL server for tests and benchmarks, in a temporary directory.

Debian's binaries (`/usr/lib/postgresql/NN/bin`, or `pg_config --bindir`)
run `initdb` and `postgres` on a free port of 127.0.0.1, with no Unix socket.
PostgreSQL refuses to run as root: as root (CI), initdb and the server run
as the `postgres` system user the package creates (else `nobody`), the child
switching user before it starts (what `runuser` does), and the temporary
directory is handed to that user. The server is stopped
(fast shutdown, then killed) and its directory removed at the end.

Tests run it with fsync off (nothing here must survive a power cut);
benchmarks with PostgreSQL's defaults, so commits are durable.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER = "riposte"
"""The database superuser initdb creates (trust authentication on 127.0.0.1 only)."""
START_TIMEOUT = 30.0


class ServerMissing(RuntimeError):
    """No PostgreSQL binaries on this machine."""


def binaries() -> Path | None:
    """Where initdb and postgres are, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "postgres").exists():
            return candidate
    on_path = shutil.which("postgres")
    return Path(on_path).parent if on_path else None


@dataclass(frozen=True)
class _Account:
    uid: int
    gid: int


def _unprivileged() -> _Account | None:
    """Whom to run the server as: None when we are not root (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return _Account(entry.pw_uid, entry.pw_gid)
    raise ServerMissing("running as root with no unprivileged user to run PostgreSQL as")


def _as(account: _Account | None) -> dict[str, object]:
    """Popen arguments that drop to `account` in the child, before exec."""
    if account is None:
        return {}
    return {"user": account.uid, "group": account.gid, "extra_groups": []}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    directory: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def admin_url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Fast shutdown, then kill; the directory goes. Twice is harmless."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.directory, ignore_errors=True)


def _ready(data: Path) -> bool:
    """The server writes `ready` on the 8th line of postmaster.pid once it accepts
    connections (what pg_ctl waits for)."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


def start(*, durable: bool = False) -> PostgresServer:
    """initdb and start a server; raises ServerMissing when there are no binaries."""
    bindir = binaries()
    if bindir is None:
        raise ServerMissing("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    account = _unprivileged()
    directory = Path(tempfile.mkdtemp(prefix="riposte-pg-"))
    data = directory / "data"
    if account is not None:
        os.chown(directory, account.uid, account.gid)
    try:
        subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            cwd=directory,
            **_as(account),  # type: ignore[call-overload]
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(directory, ignore_errors=True)
        raise ServerMissing(
            f"initdb failed: {error.stderr.decode(errors='replace')[-500:]}"
        ) from None
    settings = [
        "listen_addresses=127.0.0.1",
        "unix_socket_directories=",
        "max_connections=200",
        "log_min_messages=warning",
        "logging_collector=off",
    ]
    if not durable:
        settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
    for attempt in range(5):
        port = free_port()
        command = [str(bindir / "postgres"), "-D", str(data), "-p", str(port)]
        for setting in settings:
            command += ["-c", setting]
        log = open(directory / "server.log", "ab")  # noqa: SIM115 - the server keeps it open
        process = subprocess.Popen(  # type: ignore[call-overload]
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=directory,
            start_new_session=True,
            **_as(account),
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _ready(data):
                return PostgresServer(directory, port, process)
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(5)
        if attempt == 4:
            tail = (directory / "server.log").read_text(errors="replace")[-800:]
            shutil.rmtree(directory, ignore_errors=True)
            raise ServerMissing(f"postgres did not start: {tail}")
    raise AssertionError("unreachable")


@contextlib.contextmanager
def throwaway_server(*, durable: bool = True) -> Iterator[str]:
    """A server for one benchmark: yields the URL of its `postgres` database."""
    server = start(durable=durable)
    try:
        yield server.admin_url
    finally:
        server.stop()
