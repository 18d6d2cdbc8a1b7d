"""Secrets out of every error text that is stored, logged or shown.

Error texts come from libraries we do not control: an HTTP error can quote the
request URL, and Telegram puts the bot token in the URL path. Configured secret
values are masked wherever they appear; so are the shapes of tokens and
credentials even when they were never configured (a token pasted in a URL, a
password in `scheme://user:password@host`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_PATTERNS = (
    # user:password@ in any URL
    (re.compile(r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@"), rf"\g<keep>{MASK}@"),
    # Telegram bot tokens: <bot id>:<secret>, in URLs or anywhere
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}"), MASK),
    # Discord bot tokens: three base64url parts separated by dots
    (re.compile(r"\b[A-Za-z\d_-]{23,28}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}"), MASK),
    # Authorization headers and token-like query parameters
    (
        re.compile(r"(?i)(?P<keep>\b(?:authorization|bearer|bot)\b[\s:=]+)[A-Za-z0-9._~+/=-]{16,}"),
        rf"\g<keep>{MASK}",
    ),
    (
        re.compile(
            r"(?i)(?P<keep>[?&;](?:access_token|token|api_key|apikey|password|passwd|secret"
            r"|signature|sig)=)[^&;\s'\"#]+"
        ),
        rf"\g<keep>{MASK}",
    ),
)


class Redactor:
    """Masks configured secret values and anything shaped like a credential."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


redact = Redactor()
"""Patterns only: for text shown by a process that has no configuration loaded."""
