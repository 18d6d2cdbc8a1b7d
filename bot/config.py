"""Configuration: TOML in, typed frozen settings out, validated once at the edge.

Every error names the file, the key path, what was expected and what was found,
so a typo is fixed in one go. Unknown keys are errors. Secrets are written
`env:NAME` and read from the environment only for sections that are enabled.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.durations import DurationError, parse_duration
from bot.domain.escalation import MAX_REPEAT, Escalation, Step, StepAction
from bot.domain.tags import InvalidTag, normalize_tag
from bot.domain.tasks import parse_kind

PLATFORMS = ("console", "telegram", "discord", "irc")
NETWORK_PLATFORMS = ("telegram", "discord", "irc")
DATA_DIR_ENV = "RIPOSTE_DATA_DIR"
"""Where relative data paths (database, archive) live, when set; else beside the config."""


@dataclass(frozen=True, slots=True)
class Secret:
    """A token or password. Its repr never shows the value, so it cannot leak into logs."""

    value: str
    env: str | None = None

    def __repr__(self) -> str:
        return f"Secret(env={self.env!r})" if self.env else "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    name: str = "Riposte"
    lang: Literal["fr", "en"] = "fr"
    timezone: str = "Europe/Paris"
    admins: tuple[str, ...] = ()


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True, slots=True)
class StorageSettings:
    database: Path | str = Path("riposte.db")
    """A SQLite file (a path), or a PostgreSQL database (a `postgresql://` URL)."""
    password: Secret | None = None
    """PostgreSQL's password, `env:NAME` (never in the URL)."""
    pool_size: int = 10
    """PostgreSQL connections each process may open (besides its listener)."""

    @property
    def url(self) -> str | None:
        """The PostgreSQL URL, or None for SQLite."""
        return self.database if isinstance(self.database, str) else None

    @property
    def path(self) -> Path:
        """The SQLite file (PostgreSQL has none)."""
        if isinstance(self.database, str):
            raise ValueError("the store is a PostgreSQL database, not a file")
        return self.database

    @property
    def password_value(self) -> str | None:
        return self.password.value if self.password is not None and self.password.value else None


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    dir: Path = Path("archive")
    allow_private_urls: bool = False
    """Let URLs reach loopback/private/link-local addresses (tests, a replay server on the LAN)."""
    trusted_hosts: tuple[str, ...] = ()
    """Names allowed whatever they resolve to, and addresses or networks (`10.0.0.0/24`)
    allowed whatever name leads to them, although private."""
    max_section: float = 1800.0
    """Longest section one `clip` may ask for, in seconds."""
    max_duration: float = 4 * 3600.0
    """Longest whole video (no range) when its duration is known, in seconds."""
    max_filesize_mb: float = 2000.0
    socket_timeout: float = 20.0
    retries: int = 3
    job_timeout: float = 1800.0
    """A job still running after this many seconds is killed and reported as failed."""
    concurrency: int = 2
    max_queued_per_member: int = 5
    max_total_gb: float = 20.0
    """Disk quota of the archive; the oldest unreferenced clips make room, else refusal."""
    keyframe_accurate: bool = False
    """Exact cuts (re-encodes the section: several times slower); off: cuts at keyframes."""
    ffmpeg: str = ""
    """Path to an ffmpeg binary; empty: the system one, else the imageio-ffmpeg wheel's."""


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    drain_timeout: float = 30.0
    """Seconds the console's end-of-input waits for pending deliveries before exiting."""
    keep_days: float = 30.0
    """Delivered, failed and skipped outbox rows older than this are deleted (0: keep all)."""
    max_rate_limited: int = 20
    """Rate-limit answers one delivery may get before it fails (visibly, in `status`)."""
    lease: float = 30.0
    """Seconds a claimed delivery (or clip) stays with the process that claimed it without
    a renewal; after that, another process takes it back (a crashed worker's rows)."""


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    keep_audit_days: float = 365.0
    """Audit log rows older than this are deleted (0: keep all)."""
    keep_alerts_days: float = 365.0
    """Alerts older than this are deleted with their acks, tasks and task history (0: keep all)."""
    keep_delivery_days: float | None = None
    """The same as `[delivery] keep_days` (which it sets when given)."""
    export_dir: Path = Path("exports")
    """Where `export` writes the files it sends (deleted after a day)."""
    exports_per_hour: int = 3
    """Exports one member may ask for in an hour."""


@dataclass(frozen=True, slots=True)
class MembersSettings:
    open_join: bool = False
    """True: `join` admits anyone at once (no vetting)."""
    trust_linked_rooms: bool = False
    """True: `join` typed in a linked room admits at once (the room's own membership vets)."""
    invite_days: float = 7.0
    """Invitation codes expire after this many days."""
    invites_per_member: int = 10
    """People a member may invite (used and open codes); coordinators and admins: no cap."""
    max_pending: int = 200
    """Join requests waiting at once; beyond, `join` asks to come back later."""


@dataclass(frozen=True, slots=True)
class AlertsSettings:
    per_member_per_hour: int = 6
    """Alerts one member may raise in any hour (0: no limit); coordinators of the scope: none."""
    duplicate_window: float = 1800.0
    """Seconds during which the same link alerted again points to the first alert."""
    max_length: int = 2000
    """Longest alert text, in characters."""
    national_by_members: bool = False
    """True: members may raise network-wide alerts; false: network coordinators only."""
    member_max_tags: int = 3
    """Most #tags on an alert by someone who is not coordinator over all of them."""
    auto_tasks: tuple[str, ...] = ()
    """Task kinds created with every alert (`clip`, `rebuttal`, `share`), listed under
    the relayed alert with a Claim button each."""


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    enabled: bool = True
    prompt_room: str = "#general"


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    enabled: bool = False
    token: Secret | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None
    """Public HTTPS URL Telegram posts updates to; unset: long polling (the default)."""
    listen: str = "127.0.0.1:8443"
    """host:port the webhook server binds, behind the reverse proxy serving webhook_url."""
    poll_timeout: float = 10.0
    request_timeout: float = 10.0
    max_rate: float = 30.0
    per_chat_rate: float = 1.0
    per_group_per_minute: int = 20
    set_commands: bool = True
    """Register the command menu (setMyCommands) in French and English at start."""
    max_upload_mb: int = 50
    """Largest video the bot uploads: 50 on the cloud Bot API, up to 2000 on a local server."""


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    enabled: bool = False
    token: Secret | None = None
    api_base: str = "https://discord.com/api/v10"
    guilds: tuple[int, ...] = ()
    message_content: bool = False
    """`!cmd` prefix commands in channels; needs the privileged Message Content intent."""
    max_upload_mb: int = 10
    """Largest clip uploaded: 10 MiB for bots in servers without boosts, 50/100 with boosts."""


@dataclass(frozen=True, slots=True)
class IrcSettings:
    enabled: bool = False
    host: str = "irc.libera.chat"
    port: int = 6697
    tls: bool = True
    nick: str = "riposte"
    channels: tuple[str, ...] = ()
    realname: str = "Riposte bot"
    password: Secret | None = None
    sasl_username: str | None = None
    sasl_password: Secret | None = None
    trust_nicks: bool = False
    """True only on servers without services: the nick then counts as the identity."""
    tls_verify: bool = True
    tls_ca_file: Path | None = None
    """A CA bundle to trust instead of the system's (a private server's own CA)."""
    bold: bool = True
    """IRC bold for the words the bot itself emphasises."""
    pacing_burst: int = 4
    """Lines sent at once before pacing starts."""
    pacing_interval: float = 2.0
    """Seconds per line after the burst."""
    send_wait: float = 10.0
    """Seconds a send waits for a lost link (per outage) before the outbox retries later.
    Kept short: a stopping bot waits for the send in progress."""
    join_timeout: float = 15.0
    ping_interval: float = 90.0
    ping_timeout: float = 60.0
    reconnect_min: float = 2.0
    reconnect_max: float = 300.0
    nick_regain_interval: float = 60.0
    """Seconds between tries to win back `nick` while using a fallback (0: only when
    the holder is seen leaving)."""


@dataclass(frozen=True, slots=True)
class WebSettings:
    enabled: bool = False
    listen: str = "127.0.0.1:8080"
    """host:port the web server binds (behind a reverse proxy for the outside world)."""
    public_url: str = ""
    """The address people reach it at (`https://r.example.org`); empty: http://<listen>.
    Cookies are marked Secure when it is https."""
    link_days: float = 0.0
    """Short links made with `short` stop redirecting after this many days (0: never)."""
    links_per_member_per_hour: int = 30
    """Short links one member may make in any hour (coordinators: no limit)."""
    session_hours: float = 12.0
    """How long a dashboard session lasts after logging in."""
    login_minutes: float = 10.0
    """How long a dashboard login link stays valid (it works once)."""
    health_down_after: float = 300.0
    """Seconds a transport may be down before /healthz answers 503."""
    metrics_token: Secret | None = None
    """When set, /metrics wants `Authorization: Bearer <token>`."""

    @property
    def base_url(self) -> str:
        """Where links point: `public_url` without its trailing slash, or the listen address."""
        return self.public_url.rstrip("/") if self.public_url else f"http://{self.listen}"

    @property
    def secure(self) -> bool:
        """Served over https (behind a proxy that terminates TLS): cookies are Secure."""
        return self.base_url.startswith("https://")


@dataclass(frozen=True, slots=True)
class PushSettings:
    grace: float = 900.0
    """A push whose time passed while the bot was down goes out when at most this late (s);
    later, it is held and the coordinators are asked."""
    max_repeat: int = 60
    """Most runs one recurring push may have."""
    four_eyes: bool = True
    """Nobody approves content they submitted (a coordinator's own content waits for another)."""
    telegram_channels: tuple[str, ...] = ()
    """Telegram channels (`@name` or `-100…` ids) where the bot is an admin and may post."""
    discord_channels: tuple[str, ...] = ()
    """Discord (announcement) channel ids the bot may post in."""
    channel_scope: str = "national"
    """Whose coordinators may push to the channels: a scope tag (default: the network's)."""
    timeout: float = 30.0
    """Seconds one call to a social network may take before it is given up."""


@dataclass(frozen=True, slots=True)
class MastodonSettings:
    enabled: bool = False
    base_url: str = ""
    """The instance, `https://mastodon.social`."""
    access_token: Secret | None = None
    visibility: Literal["public", "unlisted", "private"] = "public"
    max_characters: int = 0
    """0: the instance's configured maximum (read from /api/v1/instance), else 500."""
    scope: str = "national"
    """Whose coordinators may push to this account: a scope tag (default: the network's)."""


@dataclass(frozen=True, slots=True)
class BlueskySettings:
    enabled: bool = False
    base_url: str = "https://bsky.social"
    """The account's PDS (its XRPC endpoint is `<base_url>/xrpc`)."""
    handle: str = ""
    app_password: Secret | None = None
    max_video_mb: int = 100
    scope: str = "national"


@dataclass(frozen=True, slots=True)
class XSettings:
    enabled: bool = False
    base_url: str = "https://api.twitter.com"
    """The X API host (`https://api.x.com` works too)."""
    consumer_key: Secret | None = None
    consumer_secret: Secret | None = None
    access_token: Secret | None = None
    access_token_secret: Secret | None = None
    daily_quota: int = 17
    """Posts allowed in 24 hours (the free tier's 17); 0: not counted."""
    max_video_mb: int = 512
    scope: str = "national"


@dataclass(frozen=True, slots=True)
class Settings:
    source: Path
    network: NetworkSettings = field(default_factory=NetworkSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    members: MembersSettings = field(default_factory=MembersSettings)
    alerts: AlertsSettings = field(default_factory=AlertsSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    escalation: Escalation = field(default_factory=Escalation)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    irc: IrcSettings = field(default_factory=IrcSettings)
    web: WebSettings = field(default_factory=WebSettings)
    push: PushSettings = field(default_factory=PushSettings)
    mastodon: MastodonSettings = field(default_factory=MastodonSettings)
    bluesky: BlueskySettings = field(default_factory=BlueskySettings)
    x: XSettings = field(default_factory=XSettings)

    @property
    def admin_keys(self) -> frozenset[str]:
        return frozenset(self.network.admins)

    def secrets(self) -> list[str]:
        """Every secret value in force, for the log redaction filter."""
        found: list[str] = []
        if self.storage.password_value:
            found.append(self.storage.password_value)
        sections = (
            self.telegram, self.discord, self.irc, self.mastodon, self.bluesky, self.x, self.web
        )
        for section in sections:
            for f in dataclasses.fields(section):
                value = getattr(section, f.name)
                if isinstance(value, Secret) and value.value:
                    found.append(value.value)
        return found


_SECTIONS: dict[str, type[Any]] = {
    f.name: typing.get_type_hints(Settings)[f.name]
    for f in dataclasses.fields(Settings)
    if f.name != "source"
}


class ConfigError(Exception):
    def __init__(self, source: Path | str, problems: list[str]) -> None:
        self.source = str(source)
        self.problems = problems
        super().__init__("\n".join(f"{self.source}: {p}" for p in problems))


def _describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return '"' + shown.replace('"', '\\"') + '"'
    return repr(value)


def _describe_type(hint: Any) -> str:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        return (
            _describe_type(inner[0]) if len(inner) == 1 else " or ".join(map(_describe_type, inner))
        )
    if origin is Literal:
        return "one of " + ", ".join(f'"{a}"' for a in args)
    if origin is tuple:
        return f"a list of {_describe_type(args[0]).removeprefix('a ').removeprefix('an ')}s"
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        Path: "a path (string)",
        Secret: '"env:NAME"',
    }.get(hint, str(hint))


MAX_NUMBER = 1_000_000_000
"""No setting needs more (a billion seconds is 31 years); beyond, a duration added to the
clock overflows the dates it is shown as, long after the file was accepted."""


class _Loader:
    def __init__(self, source: Path, environ: typing.Mapping[str, str]) -> None:
        self.source = source
        self.environ = environ
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def expected(self, path: str, hint: Any, value: Any) -> None:
        self.fail(path, f"expected {_describe_type(hint)}, got {_describe_value(value)}")

    def coerce(self, path: str, hint: Any, value: Any) -> Any:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (types.UnionType, typing.Union):
            inner = [a for a in args if a is not type(None)]
            return self.coerce(path, inner[0], value)
        if origin is Literal:
            if value not in args:
                self.expected(path, hint, value)
            return value
        if origin is tuple:
            if not isinstance(value, list):
                self.expected(path, hint, value)
                return ()
            return tuple(self.coerce(f"{path}[{i}]", args[0], v) for i, v in enumerate(value))
        if hint is bool:
            if not isinstance(value, bool):
                self.expected(path, hint, value)
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.expected(path, hint, value)
            elif abs(value) > MAX_NUMBER and not path.endswith("]"):
                # Lists of integers are ids (Discord's guilds: 18-digit snowflakes).
                self.fail(path, f"expected at most {MAX_NUMBER}, got {value}")
                return 0
            return value
        if hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.expected(path, hint, value)
                return 0.0
            if not math.isfinite(value) or abs(value) > MAX_NUMBER:
                self.fail(path, f"expected at most {MAX_NUMBER}, got {value}")
                return 0.0
            return float(value)
        if hint is str:
            if not isinstance(value, str):
                self.expected(path, hint, value)
            return value
        if hint is Path:
            if not isinstance(value, str) or not value:
                self.expected(path, hint, value)
                return Path()
            candidate = Path(value).expanduser()
            return candidate if candidate.is_absolute() else self.source.parent / candidate
        if hint is Secret:
            if not isinstance(value, str) or not value:
                # Not even a wrong value is shown: it may be the secret, mistyped.
                kind = {bool: "true or false", int: "an integer", float: "a number",
                        list: "a list", dict: "a table", str: "an empty string"}.get(
                    type(value), "something else")  # fmt: skip
                self.fail(path, f'expected "env:NAME", got {kind}')
                return Secret("")
            if value.startswith("env:"):
                return Secret("", env=value[4:])
            # Never echoed: the value is the secret itself, and this message is logged.
            self.fail(
                path,
                'a secret is never written in the file (it would end up in backups and'
                ' repositories): write "env:NAME" and set NAME in the environment',
            )
            return Secret("")
        raise TypeError(f"unsupported config type {hint!r}")  # pragma: no cover

    def section(self, name: str, cls: type[Any], table: Any) -> Any:
        if not isinstance(table, dict):
            self.fail(name, f"expected a table, got {_describe_value(table)}")
            return cls()
        hints = typing.get_type_hints(cls)
        known = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in known:
                self.fail(f"{name}.{key}", f"unknown key (known: {', '.join(sorted(known))})")
                continue
            values[key] = self.coerce(f"{name}.{key}", hints[key], value)
        return cls(**values)

    def resolve_secrets(self, name: str, section: Any) -> Any:
        """Read `env:NAME` secrets, only where the section is switched on."""
        if not getattr(section, "enabled", False):
            return section
        changes: dict[str, Secret] = {}
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            if isinstance(value, Secret) and value.env is not None:
                if not value.env:
                    self.fail(f"{name}.{f.name}", 'expected "env:NAME" with a variable name')
                    continue
                found = self.environ.get(value.env)
                if not found:
                    self.fail(
                        f"{name}.{f.name}",
                        f"environment variable {value.env} is not set (or is empty)",
                    )
                    continue
                changes[f.name] = Secret(found, env=value.env)
        return dataclasses.replace(section, **changes) if changes else section


def _check_telegram(loader: _Loader, telegram: TelegramSettings) -> None:
    for key in ("base_url", "base_file_url", "webhook_url"):
        value = getattr(telegram, key)
        if value is not None and not value.startswith(("https://", "http://")):
            loader.fail(f"telegram.{key}", f"expected an http(s) URL, got {_describe_value(value)}")
    host, _, port = telegram.listen.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        loader.fail(
            "telegram.listen", f'expected "host:port", got {_describe_value(telegram.listen)}'
        )
    for key in ("poll_timeout", "request_timeout", "max_rate", "per_chat_rate"):
        if getattr(telegram, key) <= 0:
            loader.fail(f"telegram.{key}", "expected a number > 0")
    if not 1 <= telegram.max_upload_mb <= 2000:
        loader.fail("telegram.max_upload_mb", "expected an integer between 1 and 2000")
    if telegram.per_group_per_minute <= 0:
        loader.fail("telegram.per_group_per_minute", "expected an integer > 0")


_DURATION_HINT = 'a duration such as "90s", "5m" or "1h30m"'
_ESCALATION_KEYS = ("ask_again_after", "release_after", "repeat", "steps")


def _duration(loader: _Loader, path: str, value: Any) -> float | None:
    """A duration written `"90s"`/`"5m"`/`"1h"`, or a number of seconds."""
    found: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        found = float(value)
    elif isinstance(value, str):
        with contextlib.suppress(DurationError):
            found = parse_duration(value)
    if found is not None and math.isfinite(found) and found <= MAX_NUMBER:
        return found
    if found is not None:
        loader.fail(path, f"expected at most {MAX_NUMBER} seconds, got {_describe_value(value)}")
        return None
    loader.fail(path, f"expected {_DURATION_HINT}, got {_describe_value(value)}")
    return None


def _steps(loader: _Loader, path: str, value: Any) -> tuple[Step, ...]:
    if not isinstance(value, list):
        loader.fail(path, f"expected [[{path}]] tables, got {_describe_value(value)}")
        return ()
    actions = ", ".join(f'"{a.value}"' for a in StepAction)
    steps: list[Step] = []
    for i, table in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(table, dict):
            loader.fail(where, f"expected a table, got {_describe_value(table)}")
            continue
        for key in table:
            if key not in ("after", "then"):
                loader.fail(f"{where}.{key}", "unknown key (known: after, then)")
        if "after" not in table or "then" not in table:
            loader.fail(where, 'expected both "after" and "then"')
            continue
        after = _duration(loader, f"{where}.after", table["after"])
        then = table["then"]
        action = next((a for a in StepAction if isinstance(then, str) and a.value == then), None)
        if action is None:
            loader.fail(f"{where}.then", f"expected one of {actions}, got {_describe_value(then)}")
            continue
        if after is None:
            continue
        if steps and after <= steps[-1].after:
            loader.fail(f"{where}.after", "expected a delay longer than the step before it")
            continue
        steps.append(Step(after, action))
    return tuple(steps)


def _escalation(loader: _Loader, table: Any) -> Escalation:
    """`[escalation]`: network steps, steps per scope (`[[escalation."dept:069".steps]]`),
    `repeat`, `release_after`, `ask_again_after`. Every problem names its key."""
    if not isinstance(table, dict):
        loader.fail("escalation", f"expected a table, got {_describe_value(table)}")
        return Escalation()
    defaults = Escalation()
    values: dict[str, Any] = {}
    scopes: list[tuple[str, tuple[Step, ...]]] = []
    for key, value in table.items():
        if key == "steps":
            values["steps"] = _steps(loader, "escalation.steps", value)
        elif key == "repeat":
            valid = isinstance(value, int) and not isinstance(value, bool)
            if not valid or not 0 <= value <= MAX_REPEAT:
                loader.fail(
                    "escalation.repeat",
                    f"expected an integer from 0 to {MAX_REPEAT}, got {_describe_value(value)}",
                )
            else:
                values["repeat"] = value
        elif key in ("release_after", "ask_again_after"):
            duration = _duration(loader, f"escalation.{key}", value)
            if duration is not None:
                values[key] = duration
        elif isinstance(value, dict):
            path = f'escalation."{key}"'
            try:
                tag = normalize_tag(key)
            except InvalidTag:
                loader.fail(path, "expected a scope tag (letters, digits, : - _ .)")
                continue
            for inner in value:
                if inner != "steps":
                    loader.fail(f"{path}.{inner}", "unknown key (known: steps)")
            scopes.append((tag, _steps(loader, f"{path}.steps", value.get("steps", []))))
        else:
            loader.fail(
                f"escalation.{key}",
                f"unknown key (known: {', '.join(_ESCALATION_KEYS)}, or a scope table such as "
                '[[escalation."dept:069".steps]])',
            )
    return Escalation(
        steps=values.get("steps", defaults.steps),
        scopes=tuple(scopes),
        repeat=values.get("repeat", defaults.repeat),
        release_after=values.get("release_after", defaults.release_after),
        ask_again_after=values.get("ask_again_after", defaults.ask_again_after),
    )


def _check_trust(loader: _Loader, settings: Settings) -> None:
    members, alerts = settings.members, settings.alerts
    if members.invite_days <= 0:
        loader.fail("members.invite_days", "expected a number > 0")
    for path, value in (
        ("members.invites_per_member", members.invites_per_member),
        ("members.max_pending", members.max_pending),
        ("alerts.per_member_per_hour", alerts.per_member_per_hour),
    ):
        if value < 0:
            loader.fail(path, "expected an integer >= 0")
    if alerts.duplicate_window < 0:
        loader.fail("alerts.duplicate_window", "expected a number >= 0 (seconds)")
    if not 1 <= alerts.max_length <= 8000:
        loader.fail("alerts.max_length", "expected an integer between 1 and 8000")
    if alerts.member_max_tags < 1:
        loader.fail("alerts.member_max_tags", "expected an integer >= 1")


def _check_web(loader: _Loader, web: WebSettings) -> None:
    host, _, port = web.listen.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        loader.fail("web.listen", f'expected "host:port", got {_describe_value(web.listen)}')
    if web.public_url:
        parsed = urlsplit(web.public_url)
        if (
            parsed.scheme not in ("http", "https")
            or not parsed.hostname
            or parsed.query
            or parsed.fragment
            or parsed.username
            or parsed.password
        ):
            loader.fail(
                "web.public_url",
                "expected an http(s) URL without query, fragment or credentials, got "
                f"{_describe_value(web.public_url)}",
            )
    for key in ("session_hours", "login_minutes", "health_down_after"):
        if getattr(web, key) <= 0:
            loader.fail(f"web.{key}", "expected a number > 0")
    if web.link_days < 0:
        loader.fail("web.link_days", "expected a number >= 0 (0: links never expire)")
    if web.links_per_member_per_hour < 0:
        loader.fail("web.links_per_member_per_hour", "expected an integer >= 0")


def _http_url(loader: _Loader, path: str, value: str) -> None:
    if not value.startswith(("https://", "http://")) or len(value) < 10:
        loader.fail(path, f"expected an http(s) URL, got {_describe_value(value)}")


def _check_push(loader: _Loader, settings: Settings) -> None:
    push = settings.push
    if push.grace < 0:
        loader.fail("push.grace", f"expected {_DURATION_HINT} (or 0)")
    if not 1 <= push.max_repeat <= 1000:
        loader.fail("push.max_repeat", "expected an integer between 1 and 1000")
    if not 1 <= push.timeout <= 600:
        loader.fail("push.timeout", "expected a number of seconds between 1 and 600")
    for i, channel in enumerate(push.discord_channels):
        if not channel.isdigit():
            loader.fail(f"push.discord_channels[{i}]", "expected a channel id (digits)")
    for i, channel in enumerate(push.telegram_channels):
        if not (channel.startswith("@") or channel.lstrip("-").isdigit()) or len(channel) < 2:
            loader.fail(f"push.telegram_channels[{i}]", 'expected "@name" or a chat id')
    scopes = [
        ("push.channel_scope", push.channel_scope),
        ("mastodon.scope", settings.mastodon.scope),
        ("bluesky.scope", settings.bluesky.scope),
        ("x.scope", settings.x.scope),
    ]
    for path, tag in scopes:
        try:
            normalize_tag(tag)
        except InvalidTag:
            loader.fail(path, f"expected a scope tag, got {_describe_value(tag)}")
    mastodon, bluesky, x = settings.mastodon, settings.bluesky, settings.x
    if mastodon.enabled:
        _http_url(loader, "mastodon.base_url", mastodon.base_url)
        if mastodon.access_token is None:
            loader.fail("mastodon.access_token", "required when mastodon.enabled is true")
    if mastodon.max_characters < 0:
        loader.fail("mastodon.max_characters", "expected an integer >= 0")
    if bluesky.enabled:
        _http_url(loader, "bluesky.base_url", bluesky.base_url)
        if not bluesky.handle:
            loader.fail("bluesky.handle", "required when bluesky.enabled is true")
        if bluesky.app_password is None:
            loader.fail("bluesky.app_password", "required when bluesky.enabled is true")
    if x.enabled:
        _http_url(loader, "x.base_url", x.base_url)
        for key in ("consumer_key", "consumer_secret", "access_token", "access_token_secret"):
            if getattr(x, key) is None:
                loader.fail(f"x.{key}", "required when x.enabled is true")
    if x.daily_quota < 0:
        loader.fail("x.daily_quota", "expected an integer >= 0")
    for path, value in (("bluesky.max_video_mb", bluesky.max_video_mb),
                        ("x.max_video_mb", x.max_video_mb)):
        if not 1 <= value <= 2000:
            loader.fail(path, "expected an integer between 1 and 2000")


def _check_semantics(loader: _Loader, settings: Settings) -> None:
    try:
        ZoneInfo(str(settings.network.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        loader.fail(
            "network.timezone",
            f'expected an IANA time zone such as "Europe/Paris", got '
            f"{_describe_value(settings.network.timezone)}",
        )
    for i, admin in enumerate(settings.network.admins or ()):
        platform, _, user_id = admin.partition(":") if isinstance(admin, str) else ("", "", "")
        if platform not in PLATFORMS or not user_id:
            loader.fail(
                f"network.admins[{i}]",
                f'expected "platform:user_id" with platform one of {", ".join(PLATFORMS)}, '
                f"got {_describe_value(admin)}",
            )
    if settings.telegram.enabled and settings.telegram.token is None:
        loader.fail("telegram.token", "required when telegram.enabled is true")
    _check_telegram(loader, settings.telegram)
    if settings.discord.enabled and settings.discord.token is None:
        loader.fail("discord.token", "required when discord.enabled is true")
    if not 1 <= settings.discord.max_upload_mb <= 500:
        loader.fail("discord.max_upload_mb", "expected an integer between 1 and 500")
    if isinstance(settings.irc.port, int) and not 1 <= settings.irc.port <= 65535:
        loader.fail("irc.port", f"expected a port between 1 and 65535, got {settings.irc.port}")
    for key in (
        "pacing_interval",
        "send_wait",
        "join_timeout",
        "ping_interval",
        "ping_timeout",
        "reconnect_min",
        "reconnect_max",
        "nick_regain_interval",
    ):
        if getattr(settings.irc, key) < 0:
            loader.fail(f"irc.{key}", "expected a number >= 0")
    for key in ("join_timeout", "ping_interval", "ping_timeout", "reconnect_min"):
        if getattr(settings.irc, key) == 0:
            # 0 would spin: a reconnect or a ping every instant.
            loader.fail(f"irc.{key}", "expected a number > 0")
    if settings.irc.reconnect_max < settings.irc.reconnect_min:
        loader.fail("irc.reconnect_max", "expected a number >= irc.reconnect_min")
    irc = settings.irc
    if irc.enabled and bool(irc.sasl_username) != bool(irc.sasl_password):
        loader.fail("irc.sasl_password", "sasl_username and sasl_password go together")
    if settings.irc.pacing_burst < 1:
        loader.fail("irc.pacing_burst", "expected an integer >= 1")
    archive = settings.archive
    for key in (
        "max_section",
        "max_duration",
        "max_filesize_mb",
        "socket_timeout",
        "job_timeout",
        "max_total_gb",
    ):
        if getattr(archive, key) <= 0:
            loader.fail(f"archive.{key}", "expected a number > 0")
    if archive.max_queued_per_member < 1:
        loader.fail("archive.max_queued_per_member", "expected an integer >= 1")
    if archive.concurrency < 1:
        loader.fail("archive.concurrency", "expected an integer >= 1")
    if archive.retries < 0:
        loader.fail("archive.retries", "expected an integer >= 0")
    if settings.delivery.lease <= 0:
        loader.fail("delivery.lease", "expected a number of seconds > 0")
    if settings.delivery.drain_timeout < 0:
        loader.fail("delivery.drain_timeout", "expected a number >= 0")
    if settings.delivery.keep_days < 0:
        loader.fail("delivery.keep_days", "expected a number >= 0")
    privacy = settings.privacy
    for key in ("keep_audit_days", "keep_alerts_days", "keep_delivery_days"):
        value = getattr(privacy, key)
        if value is not None and value < 0:
            loader.fail(f"privacy.{key}", "expected a number >= 0 (0: keep all)")
    if privacy.exports_per_hour < 1:
        loader.fail("privacy.exports_per_hour", "expected an integer >= 1")
    if settings.delivery.max_rate_limited < 1:
        loader.fail("delivery.max_rate_limited", "expected an integer >= 1")
    _check_trust(loader, settings)
    _check_web(loader, settings.web)
    _check_push(loader, settings)
    for i, kind in enumerate(settings.alerts.auto_tasks):
        if not isinstance(kind, str) or parse_kind(kind) is None:
            loader.fail(
                f"alerts.auto_tasks[{i}]",
                f'expected "clip", "rebuttal" or "share", got {_describe_value(kind)}',
            )
    enabled = [name for name in PLATFORMS if getattr(getattr(settings, name), "enabled", False)]
    if not enabled:
        loader.fail("console.enabled", "no transport is enabled; enable at least one")


def _storage_url(loader: _Loader, table: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """`database` given as a PostgreSQL URL: checked here, kept apart from path handling."""
    raw = table.get("database")
    if not isinstance(raw, str) or not raw.startswith(POSTGRES_SCHEMES):
        if table.get("password") is not None:
            loader.fail("storage.password", "only for a PostgreSQL database (a postgresql:// URL)")
        return None, table
    rest = raw.split("://", 1)[1]
    place, _, _query = rest.partition("?")
    credentials, at, host_and_db = place.rpartition("@")
    host, _, name = host_and_db.partition("/")
    if at and ":" in credentials:
        loader.fail(
            "storage.database",
            'the URL holds a password: put it in storage.password = "env:NAME" instead',
        )
    elif not host or not name:
        loader.fail(
            "storage.database",
            'expected "postgresql://user@host[:port]/database", got '
            f"{_describe_value(raw.split('@')[-1])}",
        )
    return raw, {k: v for k, v in table.items() if k != "database"}


def _resolve_storage(loader: _Loader, storage: StorageSettings) -> StorageSettings:
    """Read the PostgreSQL password from the environment (`env:NAME`)."""
    secret = storage.password
    if secret is None or secret.env is None:
        return storage
    found = loader.environ.get(secret.env)
    if not found:
        loader.fail(
            "storage.password", f"environment variable {secret.env} is not set (or is empty)"
        )
        return storage
    return dataclasses.replace(storage, password=Secret(found, env=secret.env))


def _delivery_retention(loader: _Loader, data: dict[str, Any], settings: Settings) -> Settings:
    """`[privacy] keep_delivery_days` and `[delivery] keep_days` are one setting: either
    sets it; both, with different values, is a mistake to fix."""
    privacy, delivery = settings.privacy, settings.delivery
    if privacy.keep_delivery_days is None:
        return dataclasses.replace(
            settings,
            privacy=dataclasses.replace(privacy, keep_delivery_days=delivery.keep_days),
        )
    table = data.get("delivery")
    if isinstance(table, dict) and "keep_days" in table and (
        table["keep_days"] != privacy.keep_delivery_days
    ):
        loader.fail(
            "privacy.keep_delivery_days",
            "is the same setting as delivery.keep_days: give one of them (or the same value)",
        )
    return dataclasses.replace(
        settings, delivery=dataclasses.replace(delivery, keep_days=privacy.keep_delivery_days)
    )


def _data_path(data: dict[str, Any], section: str, key: str, value: Path, base: Path) -> Path:
    """`value` as loaded, or, when the file wrote it relative or not at all, under `base`."""
    table = data.get(section)
    raw = table.get(key) if isinstance(table, dict) else None
    if isinstance(raw, str) and raw and Path(raw).expanduser().is_absolute():
        return value
    return base / (Path(raw).expanduser() if isinstance(raw, str) and raw else value)


def parse_settings(
    data: dict[str, Any], source: Path, environ: typing.Mapping[str, str] | None = None
) -> Settings:
    loader = _Loader(source.resolve(), os.environ if environ is None else environ)
    sections: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _SECTIONS:
            loader.fail(name, f"unknown section (known: {', '.join(sorted(_SECTIONS))})")
            continue
        if name == "escalation":
            sections[name] = _escalation(loader, value)
            continue
        if name == "push" and isinstance(value, dict) and isinstance(value.get("grace"), str):
            grace = _duration(loader, "push.grace", value["grace"])
            value = {**value, "grace": grace if grace is not None else 0.0}
        url = None
        if name == "storage" and isinstance(value, dict):
            url, value = _storage_url(loader, value)
        section = loader.section(name, _SECTIONS[name], value)
        sections[name] = loader.resolve_secrets(name, section)
        if url is not None:
            sections[name] = _resolve_storage(loader, dataclasses.replace(section, database=url))
    settings = Settings(source=source.resolve(), **sections)
    # Data paths written relative (and the defaults) are relative to the config file,
    # not the cwd; or to $RIPOSTE_DATA_DIR where a deployment keeps its state (the
    # Docker image: /data) apart from a read-only configuration.
    data_dir = (os.environ if environ is None else environ).get(DATA_DIR_ENV)
    base = Path(data_dir).resolve() if data_dir else source.resolve().parent
    database: Path | str = settings.storage.database
    if not isinstance(database, str):
        database = _data_path(data, "storage", "database", database, base)
    archive = _data_path(data, "archive", "dir", settings.archive.dir, base)
    exports = _data_path(data, "privacy", "export_dir", settings.privacy.export_dir, base)
    settings = dataclasses.replace(
        settings,
        storage=dataclasses.replace(settings.storage, database=database),
        archive=dataclasses.replace(settings.archive, dir=archive),
        privacy=dataclasses.replace(settings.privacy, export_dir=exports),
    )
    settings = _delivery_retention(loader, data, settings)
    _check_semantics(loader, settings)
    if loader.problems:
        raise ConfigError(source, loader.problems)
    return settings


def load_settings(path: Path | str, environ: typing.Mapping[str, str] | None = None) -> Settings:
    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as error:
        raise ConfigError(source, [f"cannot read the file: {error.strerror or error}"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(source, ["the file is not valid UTF-8"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, [f"not valid TOML: {error}"]) from None
    return parse_settings(data, source, environ)
