"""Flood-control (429) enforcement and fault-injection bookkeeping."""

from __future__ import annotations

import math
import random
from typing import Any

from .errors import ControlError, too_many_requests
from .state import BotAccount, Chat, Fault, World

FAULT_KINDS = ("error", "hang", "drop")
_ERROR_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests: retry after 1",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _windows(world: World, bot: BotAccount, chat: Chat) -> list[tuple[tuple[Any, ...], float, int]]:
    limits = world.rate_limits
    windows: list[tuple[tuple[Any, ...], float, int]] = [
        (("global", bot.id), 1.0, limits.global_per_second)
    ]
    if chat.type == "private":
        windows.append((("chat", bot.id, chat.id), 1.0, limits.private_per_second))
    else:
        windows.append((("chat", bot.id, chat.id), 60.0, limits.group_per_minute))
    return windows


def check_rate(world: World, bot: BotAccount, chat: Chat) -> None:
    """Raise a 429 with ``retry_after`` when sending to ``chat`` now would exceed a limit."""
    if not world.rate_limits.enabled:
        return
    now = world.monotonic()
    wait = 0.0
    for key, period, limit in _windows(world, bot, chat):
        stamps = [t for t in world.rate_windows.get(key, []) if t > now - period]
        world.rate_windows[key] = stamps
        if limit > 0 and len(stamps) >= limit:
            wait = max(wait, stamps[-limit] + period - now)
    if wait > 0:
        raise too_many_requests(max(1, math.ceil(wait)))


def record_send(world: World, bot: BotAccount, chat: Chat) -> None:
    """Count one successful send against the flood limits."""
    if not world.rate_limits.enabled:
        return
    now = world.monotonic()
    for key, _period, _limit in _windows(world, bot, chat):
        world.rate_windows.setdefault(key, []).append(now)


def set_rate_limits(world: World, body: dict[str, Any]) -> dict[str, Any]:
    """Update rate-limit settings from a control-API body."""
    limits = world.rate_limits
    for key in ("global_per_second", "private_per_second", "group_per_minute"):
        if body.get(key) is not None:
            value = int(body[key])
            if value < 0:
                raise ControlError(400, f"{key} must be >= 0")
            setattr(limits, key, value)
    if body.get("enabled") is not None:
        limits.enabled = bool(body["enabled"])
    world.rate_windows.clear()
    return limits.as_dict()


def add_fault(world: World, body: dict[str, Any]) -> Fault:
    """Register a fault from a control-API body."""
    kind = str(body.get("kind", "error"))
    if kind in ("500", "502", "503", "504"):
        body = {**body, "status": int(kind)}
        kind = "error"
    if kind not in FAULT_KINDS:
        raise ControlError(400, f"kind must be one of {', '.join(FAULT_KINDS)}")
    phase = str(body.get("phase") or "before")
    if phase not in ("before", "after"):
        raise ControlError(400, "phase must be 'before' or 'after'")
    count = body.get("count", 1)
    probability = body.get("probability")
    if probability is not None:
        probability = float(probability)
        if not 0 < probability <= 1:
            raise ControlError(400, "probability must be > 0 and <= 1")
    seed = int(body["seed"]) if body.get("seed") is not None else None
    bot_ref = body.get("bot")
    fault = Fault(
        id=world.next_id("fault"),
        kind=kind,
        method=str(body["method"]).lower() if body.get("method") else None,
        count=int(count) if count is not None else 0,
        status=int(body.get("status") or 500),
        description=body.get("description"),
        delay=float(body["delay"]) if body.get("delay") is not None else None,
        phase=phase,
        retry_after=int(body["retry_after"]) if body.get("retry_after") is not None else None,
        bot_id=world.find_bot(bot_ref).id if bot_ref else None,
        probability=probability,
        seed=seed,
        rng=random.Random(seed),
    )
    world.faults.append(fault)
    return fault


def take_fault(world: World, bot: BotAccount, method: str) -> Fault | None:
    """Consume and return the first fault that hits this call (``count`` 0 = unlimited).

    A fault with a probability that misses lets the next matching fault have its chance.
    """
    for fault in world.faults:
        if fault.method is not None and fault.method != method.lower():
            continue
        if fault.bot_id is not None and fault.bot_id != bot.id:
            continue
        if not fault.strikes():
            continue
        fault.hits += 1
        if fault.count > 0:
            fault.count -= 1
            if fault.count == 0:
                world.faults.remove(fault)
        return fault
    return None


def fault_error_payload(fault: Fault) -> dict[str, Any]:
    """The JSON body of an injected error response."""
    description = fault.description or _ERROR_TEXT.get(fault.status, "Internal Server Error")
    if fault.status == 429 and fault.description is None:
        description = f"Too Many Requests: retry after {fault.retry_after or 1}"
    body: dict[str, Any] = {
        "ok": False,
        "error_code": fault.status,
        "description": description,
    }
    if fault.status == 429 or fault.retry_after is not None:
        body["parameters"] = {"retry_after": fault.retry_after or 1}
    return body
