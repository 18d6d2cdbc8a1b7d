"""Real IRC servers on 127.0.0.1 for tests: miniircd (from PyPI) and Debian's ngircd.

Each server gets a free port and a config written into the test's directory
(nothing root-only); `restart()` kills it and starts it again on the same port.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

START_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ngircd_path() -> str | None:
    return shutil.which("ngircd") or next(
        (p for p in ("/usr/sbin/ngircd", "/usr/local/sbin/ngircd") if Path(p).exists()), None
    )


class IrcServer:
    """One server process; `kind` is "miniircd" or "ngircd"."""

    def __init__(self, kind: str, directory: Path, *, tls: tuple[Path, Path] | None = None) -> None:
        self.kind = kind
        self.directory = directory
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls = tls
        """(certificate, key): ngircd then also listens with TLS on `tls_port`."""
        self.tls_port = free_port() if tls else None
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / f"{kind}.log"

    def _command(self) -> list[str]:
        if self.kind == "miniircd":
            script = Path(sys.executable).parent / "miniircd"
            command = [str(script), "--listen", self.host, "--ports", str(self.port)]
            if os.geteuid() == 0:  # CI runs as root; miniircd then insists on being told
                command += ["--setuid", "root"]
            return command
        config = self.directory / "ngircd.conf"
        config.write_text(
            "\n".join(
                [
                    "[Global]",
                    "Name = irc.riposte.test",
                    "Info = Riposte test server",
                    f"Listen = {self.host}",
                    f"Ports = {self.port}",
                    f"PidFile = {self.directory / 'ngircd.pid'}",
                    'MotdPhrase = "Riposte tests"',
                    "[Limits]",
                    # The default (5) is kept in spirit: a bot and two humans fit.
                    "MaxConnectionsIP = 10",
                    *(
                        [
                            "[SSL]",
                            f"CertFile = {self.tls[0]}",
                            f"KeyFile = {self.tls[1]}",
                            f"Ports = {self.tls_port}",
                        ]
                        if self.tls
                        else []
                    ),
                    "[Options]",
                    "PAM = no",
                    "Ident = no",
                    "DNS = no",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        binary = ngircd_path()
        assert binary is not None
        return [binary, "--nodaemon", "--config", str(config)]

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self._command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log.read_text(errors='replace')}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), timeout=0.5),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not listen on {self.port}")

    def stop(self) -> None:
        """Kill the server: every client sees its connection drop."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()
