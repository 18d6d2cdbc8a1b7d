from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _problems(tmp_path: Path, body: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, body), environ=env or {})
    return str(error.value).splitlines()


def test_the_example_config_is_valid_offline() -> None:
    settings = load_settings(ROOT / "config.example.toml", environ={})
    assert settings.console.enabled
    assert not settings.telegram.enabled
    assert settings.storage.database == ROOT / "riposte.db"


def test_a_wrong_type_names_file_key_expectation_and_value(tmp_path: Path) -> None:
    problems = _problems(tmp_path, '[irc]\nnick = 12\n[telegram]\ntoken = 12\n')
    assert problems == [
        f'{tmp_path / "config.toml"}: irc.nick: expected a string, got 12',
        # A secret's wrong value is not shown: it may be the secret itself, mistyped.
        f'{tmp_path / "config.toml"}: telegram.token: expected "env:NAME", got an integer',
    ]


def test_unknown_keys_and_sections_are_errors(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "[irc]\nchanels = ['#a']\n[telegramm]\nenabled = true\n")
    assert any("irc.chanels: unknown key" in p for p in problems)
    assert any("telegramm: unknown section" in p for p in problems)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, '[network]\nlang = "de"\nadmins = ["alice"]\ntimezone = "Mars/Olympus"\n'
    )
    joined = "\n".join(problems)
    assert 'network.lang: expected one of "fr", "en", got "de"' in joined
    assert "network.admins[0]" in joined
    assert "network.timezone" in joined


def test_a_missing_secret_variable_is_named(tmp_path: Path) -> None:
    body = '[telegram]\nenabled = true\ntoken = "env:RIPOSTE_TEST_TOKEN"\n'
    problems = _problems(tmp_path, body)
    assert any("RIPOSTE_TEST_TOKEN" in p and "telegram.token" in p for p in problems)
    settings = load_settings(_write(tmp_path, body), environ={"RIPOSTE_TEST_TOKEN": "123:abc"})
    assert settings.telegram.token is not None
    assert settings.telegram.token.value == "123:abc"
    assert "123:abc" not in repr(settings)


def test_secrets_of_disabled_sections_are_not_required(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, '[telegram]\ntoken = "env:NOPE"\n'), environ={})
    assert settings.telegram.token is not None and settings.telegram.token.value == ""


def test_invalid_toml_and_missing_file_are_clear(tmp_path: Path) -> None:
    assert "not valid TOML" in _problems(tmp_path, "[network\n")[0]
    with pytest.raises(ConfigError) as error:
        load_settings(tmp_path / "nope.toml")
    assert "cannot read" in str(error.value)


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, '[storage]\ndatabase = "data/x.db"\n'), environ={})
    assert settings.storage.database == tmp_path.resolve() / "data" / "x.db"


def test_check_config_exits_non_zero_with_the_message(tmp_path: Path) -> None:
    path = _write(tmp_path, "[telegram]\ntoken = 12\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert 'telegram.token: expected "env:NAME", got an integer' in done.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", str(ROOT / "config.example.toml")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert ok.returncode == 0, ok.stderr


def test_default_paths_are_relative_to_the_config_file_too(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, "[archive]\nconcurrency = 1\n"), environ={})
    assert settings.archive.dir == tmp_path.resolve() / "archive"
    assert settings.storage.database == tmp_path.resolve() / "riposte.db"


def test_riposte_data_dir_holds_relative_data_paths_but_not_other_files(tmp_path: Path) -> None:
    from bot.config import parse_settings

    data = {
        "storage": {"database": "db/riposte.db"},
        "irc": {"tls_ca_file": "ca.pem"},
    }
    source = tmp_path / "etc" / "config.toml"
    environ = {"RIPOSTE_DATA_DIR": str(tmp_path / "data")}
    settings = parse_settings(data, source, environ)
    assert settings.storage.database == tmp_path / "data" / "db" / "riposte.db"
    assert settings.archive.dir == tmp_path / "data" / "archive"
    assert settings.irc.tls_ca_file == tmp_path / "etc" / "ca.pem"
    absolute = parse_settings({"storage": {"database": "/srv/r.db"}}, source, environ)
    assert absolute.storage.database == Path("/srv/r.db")
    beside = parse_settings({}, source, {})
    assert beside.storage.database == tmp_path / "etc" / "riposte.db"


def test_a_secret_in_clear_is_refused_by_key_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[network]\nname = "T"\nadmins = ["console:a"]\n'
        '[telegram]\nenabled = true\ntoken = "123456:AAF-very-secret"\n'
        "[delivery]\nlease = 0\n[irc]\nreconnect_min = 0\n[archive]\nmax_section = 1e300\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    message = str(raised.value)
    assert "telegram.token: a secret is never written in the file" in message
    assert 'write "env:NAME"' in message and "very-secret" not in message
    assert "delivery.lease: expected a number of seconds > 0" in message
    assert "irc.reconnect_min: expected a number > 0" in message
    assert "archive.max_section: expected at most 1000000000" in message
