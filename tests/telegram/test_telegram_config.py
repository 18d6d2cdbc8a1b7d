"""The [telegram] section: what an operator gets for a typo, and what stays out of handlers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_settings


def test_telegram_settings_errors_name_the_key(tmp_path: Path) -> None:
    data = {
        "telegram": {
            "enabled": True,
            "token": "env:TG",
            "listen": "8443",
            "webhook_url": "bot.example.org/hook",
            "per_chat_rate": 0,
        }
    }
    with pytest.raises(ConfigError) as raised:
        parse_settings(data, tmp_path / "config.toml", environ={"TG": "1:x"})
    problems = "\n".join(raised.value.problems)
    assert 'telegram.listen: expected "host:port", got "8443"' in problems
    assert "telegram.webhook_url: expected an http(s) URL" in problems
    assert "telegram.per_chat_rate: expected a number > 0" in problems


def test_missing_token_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_settings(
            {"telegram": {"enabled": True, "token": "env:TG"}}, tmp_path / "c.toml", environ={}
        )
    assert "telegram.token: environment variable TG is not set" in str(raised.value)


def test_handlers_do_not_import_the_telegram_library() -> None:
    code = "import sys, handlers; sys.exit('telegram' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0
