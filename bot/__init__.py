"""Riposte: a chat-ops bot for rapid-response networks."""

__version__ = "0.1.0"
