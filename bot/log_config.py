"""Logging to stderr, with every configured secret masked.

HTTP client libraries log request URLs, and Telegram puts the bot token in the
URL path; masking at the handler catches those lines whatever logger emits them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from bot.redaction import MASK, Redactor

__all__ = ["MASK", "SecretRedactor", "configure_logging"]


class SecretRedactor(logging.Filter):
    """Configured secrets and credential-shaped text masked in every record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretRedactor(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO; they carry tokens and flood the log.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    # APScheduler logs every job added and run at INFO: one line per timer, no news.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
