"""Riposte run as a service would run it: stdin at end of file, one instance per
database, a health check, and the Docker image's own entry command."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import sys
from pathlib import Path

from tests.fakes.bot_process import start_bot
from tests.fakes.config_files import write_config
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, TOKEN_ENV, telegram_section

ROOT = Path(__file__).resolve().parents[2]
RIPOSTE = str(Path(sys.executable).with_name("riposte"))


async def _riposte(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """A one-shot `riposte` command; its exit status and what it printed."""
    process = await asyncio.create_subprocess_exec(
        RIPOSTE,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **env},
    )
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    return await process.wait(), out.decode()


async def test_with_telegram_on_the_end_of_console_input_closes_only_the_console(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = write_config(
        tmp_path,
        network={"name": "Test", "lang": "fr", "admins": ["console:alice", f"telegram:{ALICE}"]},
        telegram=telegram_section(api, set_commands=False),
    )
    env = {TOKEN_ENV: api.token}
    bot = await start_bot(config, env)
    await bot.expect(r"transport telegram started", in_log=True)
    assert bot.process.stdin is not None
    bot.process.stdin.close()  # as under systemd or `docker run` without -i
    await bot.expect(r"console closed; the bot keeps running", in_log=True)
    await asyncio.sleep(1.0)
    assert bot.process.returncode is None
    api.private_message(ALICE, "/help")
    await api.wait_for(lambda: api.sent_to(ALICE))

    code, out = await _riposte("run", "--config", str(config), env=env)
    assert code == 2
    assert "another riposte is already running on this database" in out
    assert "Traceback" not in out
    code, out = await _riposte("status", "--config", str(config), env=env)
    assert code == 0 and "bot: running, pid" in out
    code, out = await _riposte("health", "--config", str(config), env=env)
    assert code == 0 and out.startswith("healthy")

    bot.signal(signal.SIGTERM)
    assert await bot.wait_exit(15) == 0, bot.stderr
    code, out = await _riposte("health", "--config", str(config), env=env)
    assert code == 1 and "no riposte is running" in out
    code, out = await _riposte("status", "--config", str(config), env=env)
    assert "bot: not running, stopped" in out


def _dockerfile() -> tuple[dict[str, str], list[str], list[str]]:
    """The image's environment, entry command (ENTRYPOINT + CMD) and health check."""
    env: dict[str, str] = {}
    entry: list[str] = []
    cmd: list[str] = []
    health: list[str] = []
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(rest))
        elif word == "ENTRYPOINT":
            entry = json.loads(rest)
        elif word == "CMD":
            cmd = json.loads(rest)
        elif word == "HEALTHCHECK":
            health = json.loads(rest[rest.index("CMD") + 3 :])
    return env, entry + cmd, health


def _image_paths(tmp_path: Path, env: dict[str, str], base_url: str) -> tuple[Path, Path]:
    """The image's paths under this test's folder: a config "mounted" read-only, /data."""
    config_dir = tmp_path / "etc" / "riposte"
    config_dir.mkdir(parents=True)
    config = Path(str(config_dir) + env["RIPOSTE_CONFIG"].removeprefix("/etc/riposte"))
    config.write_text(
        f'[network]\nadmins = ["telegram:{ALICE}"]\n[console]\nenabled = false\n'
        f'[telegram]\nenabled = true\ntoken = "env:TELEGRAM_TOKEN"\n'
        f'base_url = "{base_url}"\nset_commands = false\n'
    )
    config_dir.chmod(0o555)
    data = tmp_path / env["RIPOSTE_DATA_DIR"].lstrip("/")
    data.mkdir()
    return config, data


async def test_the_image_entry_command_runs_a_deployment_from_its_config_and_data_dir(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    env, command, health = _dockerfile()
    assert command[0] == "riposte" and health[0] == "riposte"
    config, data = _image_paths(tmp_path, env, api.base_url)
    config_dir = config.parent
    image_env = {
        **env,
        "RIPOSTE_CONFIG": str(config),
        "RIPOSTE_DATA_DIR": str(data),
        "TELEGRAM_TOKEN": api.token,  # `docker run -e TELEGRAM_TOKEN=...`
    }
    process = await asyncio.create_subprocess_exec(
        RIPOSTE,
        *command[1:],
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **image_env},
    )
    try:
        await api.wait_for(lambda: api.calls_to("deleteWebhook"))
        api.private_message(ALICE, "/help")
        await api.wait_for(lambda: api.sent_to(ALICE))
        code, out = await _riposte(*health[1:], env=image_env)
        assert code == 0, out
        assert (data / "riposte.db").is_file()
        assert not list(config_dir.glob("riposte.db*"))
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        config_dir.chmod(0o755)
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.stderr is not None
    log = (await process.stderr.read()).decode()
    assert api.token not in log and "Traceback" not in log
