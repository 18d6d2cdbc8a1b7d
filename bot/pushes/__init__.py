"""Pushes beyond one command: firing runs, posting to accounts, share kits, reports.

The rules of submitting, approving and scheduling are in `decisions`, callable
from a chat command or any other front; `PushService` is what the app runs.
"""

from bot.pushes.decisions import Actor, Refused
from bot.pushes.service import PushService
from bot.pushes.setup import PushSetup

__all__ = ["Actor", "PushService", "PushSetup", "Refused"]
