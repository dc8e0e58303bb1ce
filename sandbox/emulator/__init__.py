"""Telegram Bot API emulator: an aiohttp test double of Telegram plus a control API client."""

from .client import EmulatorClient, EmulatorError
from .server import EmulatorServer, create_app, running_emulator

__all__ = ["EmulatorClient", "EmulatorError", "EmulatorServer", "create_app", "running_emulator"]
