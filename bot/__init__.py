"""Wiring: configuration, the Telegram application, the CLI and logging."""

__version__ = "0.1.0"
