"""Run the emulator standalone: ``python -m sandbox.emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .server import EmulatorServer


def _parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot-token", default=None, help="pre-register a bot with this token")
    parser.add_argument("--bot-username", default=None, help="pre-register a bot (e.g. hqbot)")
    parser.add_argument("--bot-first-name", default=None)
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    server = EmulatorServer(
        bot_token=args.bot_token,
        bot_username=args.bot_username,
        bot_first_name=args.bot_first_name,
    )
    url = await server.start(args.host, args.port)
    print(f"Telegram emulator listening on {url}", flush=True)
    for bot in server.world.bots.values():
        print(f"bot @{bot.username} token {bot.token}", flush=True)
    print(f"PTB: base_url={url}/bot base_file_url={url}/file/bot", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    asyncio.run(_serve(_parse(argv)))


if __name__ == "__main__":
    main()
