"""Sandbox tooling: a Telegram Bot API emulator and helpers for end-to-end tests."""
