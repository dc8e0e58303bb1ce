"""A bare python-telegram-bot bot, the baseline of bench.updates: /start answers a fixed text.

No database, no templates, no rate limiter: the least a PTB bot can do per update.
Usage: ECHO_BOT_TOKEN=... .venv/bin/python -m bench.echo_bot --base-url http://127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import os

from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

REPLY = "Hello from a bare python-telegram-bot bot."


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /start with the fixed text."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(REPLY)


def main() -> None:
    """Poll the Bot API at --base-url until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True, help="Bot API server root (the emulator)")
    args = parser.parse_args()
    base_url = args.base_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(os.environ["ECHO_BOT_TOKEN"])
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.run_polling(allowed_updates=[Update.MESSAGE])


if __name__ == "__main__":
    main()
