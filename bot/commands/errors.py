"""What a handler raises to answer the user instead of doing the thing."""

from __future__ import annotations


class UserError(Exception):
    """A refusal the user can act on; its key names a catalogue message."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class UsageError(UserError):
    """Wrong or missing arguments: the reply is the detail, then the usage line."""
