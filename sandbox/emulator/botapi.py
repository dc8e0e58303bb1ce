"""The Bot API surface: importing the method modules registers every handler."""

from __future__ import annotations

from . import api_chats, api_messages, api_updates
from .registry import METHODS, Call, Handler

__all__ = ["METHODS", "Call", "Handler", "api_chats", "api_messages", "api_updates"]
