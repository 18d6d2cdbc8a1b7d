"""Write a riposte config file for a test, offline by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def write_config(directory: Path, **sections: dict[str, Any]) -> Path:
    """A config in `directory`; `sections` override or add to the offline defaults."""
    base: dict[str, dict[str, Any]] = {
        "network": {"name": "Test", "lang": "fr", "admins": ["console:alice"]},
        "storage": {"database": str(directory / "riposte.db")},
        "archive": {"dir": str(directory / "archive")},
        "logging": {"level": "INFO"},
        "delivery": {"drain_timeout": 20},
        "console": {"enabled": True},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in base.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    path = directory / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
