"""Flood limits (429 / RetryAfter) and injected faults (5xx, hangs, dropped connections)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from sandbox.emulator import EmulatorClient
from sandbox.emulator.client import EmulatorError
from tests.emulator.helpers import FakeClock

# PTB warns about RetryAfter.retry_after becoming a timedelta in v23; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_rate_limits_are_off_by_default(ptb: Bot, started_user: dict) -> None:
    for n in range(5):
        await ptb.send_message(started_user["id"], f"burst {n}")


async def test_private_chat_limit_answers_429_with_retry_after(
    ptb: Bot, client: EmulatorClient, started_user: dict, api, mono: FakeClock
) -> None:
    await client.set_rate_limits(True)
    uid = started_user["id"]
    await ptb.send_message(uid, "first")
    status, body = await api("sendMessage", chat_id=uid, text="second")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    with pytest.raises(RetryAfter) as exc:
        await ptb.send_message(uid, "second")
    assert exc.value._retry_after.total_seconds() == 1
    mono.advance(1.01)
    await ptb.send_message(uid, "second, later")
    assert [m["text"] for m in await client.bot_messages(uid)] == ["first", "second, later"]


async def test_group_and_global_limits(
    ptb: Bot, client: EmulatorClient, user: dict, api, mono: FakeClock
) -> None:
    group = await client.create_group("G", [user["id"]], add_bot=True)
    await client.set_rate_limits(True, group_per_minute=3, global_per_second=100)
    for n in range(3):
        await ptb.send_message(group["id"], f"g{n}")
        mono.advance(5)
    status, body = await api("sendMessage", chat_id=group["id"], text="too many")
    assert status == 429 and body["parameters"]["retry_after"] == 45
    await client.set_rate_limits(True, group_per_minute=100, global_per_second=2)
    await ptb.send_message(group["id"], "a")
    await ptb.send_message(group["id"], "b")
    with pytest.raises(RetryAfter):
        await ptb.send_message(group["id"], "c")
    await client.set_rate_limits(False)
    await ptb.send_message(group["id"], "c")


async def test_error_fault_fails_the_next_calls_then_recovers(
    ptb: Bot, client: EmulatorClient, started_user: dict
) -> None:
    await client.inject_fault("error", method="sendMessage", count=2, status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await ptb.send_message(started_user["id"], "a")
    await client.inject_fault("error", method="getChat", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await ptb.get_chat(started_user["id"])
    with pytest.raises(NetworkError):
        await ptb.send_message(started_user["id"], "b")
    assert (await ptb.send_message(started_user["id"], "c")).text == "c"
    assert [m["text"] for m in await client.bot_messages(started_user["id"])] == ["c"]
    log = await client.requests_log(method="sendMessage")
    assert [(e["status"], e["fault"]) for e in log] == [(500, "error"), (500, "error"), (200, None)]


async def test_dropped_connection_after_processing_is_a_network_error(
    ptb: Bot, client: EmulatorClient, started_user: dict
) -> None:
    await client.inject_fault("drop", method="sendMessage", phase="after")
    with pytest.raises(NetworkError) as exc:
        await ptb.send_message(started_user["id"], "maybe delivered")
    assert not isinstance(exc.value, TimedOut)
    # the message was sent even though the bot never saw the answer
    assert [m["text"] for m in await client.bot_messages(started_user["id"])] == ["maybe delivered"]
    await client.inject_fault("drop")  # any method, before processing
    with pytest.raises(NetworkError):
        await ptb.get_me()
    assert (await client.state())["faults"] == []


async def test_hang_makes_the_client_time_out(
    ptb: Bot, client: EmulatorClient, started_user: dict
) -> None:
    await client.inject_fault("hang", method="sendMessage", delay=5)
    with pytest.raises(TimedOut):
        await ptb.send_message(started_user["id"], "slow", read_timeout=0.3)
    await client.clear_faults()
    assert (await ptb.send_message(started_user["id"], "fast")).text == "fast"


async def test_hang_with_delay_answers_late(
    ptb: Bot, client: EmulatorClient, started_user: dict
) -> None:
    await client.inject_fault("hang", method="getMe", delay=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await ptb.get_me()).username == "hqbot"
    assert loop.time() - started >= 0.2


async def _sends(api, chat_id: int, n: int) -> list[int]:
    """Send `n` numbered messages; the HTTP status of each (0: the connection was dropped)."""
    statuses = []
    for k in range(n):
        try:
            statuses.append((await api("sendMessage", chat_id=chat_id, text=f"m{k}"))[0])
        except httpx.RemoteProtocolError:
            statuses.append(0)
    return statuses


async def test_random_faults_hit_their_share_of_calls_and_repeat_with_the_seed(
    client: EmulatorClient, started_user: dict, api
) -> None:
    uid = started_user["id"]
    fault = await client.inject_fault("error", method="sendMessage", count=0, status=503,
                                      probability=0.1, seed=7)  # fmt: skip
    assert (fault["probability"], fault["seed"], fault["count"]) == (0.1, 7, 0)
    first = await _sends(api, uid, 200)
    assert set(first) == {200, 503}
    assert 8 <= first.count(503) <= 35  # about 10 %, and no fault is lost on a miss
    (still,) = (await client.state())["faults"]  # unlimited: still there, with its hits
    assert still["hits"] == first.count(503)
    delivered = [m["text"] for m in await client.bot_messages(uid)]
    assert delivered == [f"m{k}" for k, status in enumerate(first) if status == 200]

    await client.clear_faults()
    await client.inject_fault("error", method="sendMessage", count=0, status=503,
                              probability=0.1, seed=7)  # fmt: skip
    assert await _sends(api, uid, 200) == first  # the same seed, the same calls hit
    await client.clear_faults()
    await client.inject_fault("error", method="sendMessage", count=0, status=503,
                              probability=0.1, seed=8)  # fmt: skip
    assert await _sends(api, uid, 200) != first
    log = await client.requests_log(method="sendMessage")
    assert {(e["status"], e["fault"], e["fault_phase"]) for e in log} == {
        (200, None, None), (503, "error", "before")}  # fmt: skip


async def test_random_fault_count_bounds_the_hits_and_a_miss_tries_the_next_fault(
    client: EmulatorClient, started_user: dict, api
) -> None:
    uid = started_user["id"]
    await client.inject_fault("drop", method="sendMessage", phase="after", count=3,
                              probability=0.5, seed=1)  # fmt: skip
    await client.inject_fault("error", method="sendMessage", count=0, status=502)
    statuses = await _sends(api, uid, 12)
    log = await client.requests_log(method="sendMessage")
    faults = [(e["fault"], e["fault_phase"]) for e in log]
    assert faults.count(("drop", "after")) == 3  # at most `count` hits, then it is gone
    assert faults.count(("error", "before")) == 9  # every call the random one missed
    drops = [k for k, e in enumerate(log) if e["fault"] == "drop"]
    assert [statuses[k] for k in drops] == [0, 0, 0]
    assert all(statuses[k] == 502 for k in range(12) if k not in drops)
    assert [f["kind"] for f in (await client.state())["faults"]] == ["error"]
    # a dropped answer came after the message was sent: those (and only those) arrived
    assert [m["text"] for m in await client.bot_messages(uid)] == [f"m{k}" for k in drops]


async def test_random_fault_probability_must_be_a_share(client: EmulatorClient) -> None:
    for wrong in (0, 1.5, -0.1):
        with pytest.raises(EmulatorError, match="probability"):
            await client.inject_fault("error", probability=wrong)
    assert (await client.state())["faults"] == []


async def test_a_block_the_bot_never_heard_of_shows_as_a_403(
    ptb: Bot, client: EmulatorClient, started_user: dict, api
) -> None:
    uid = started_user["id"]
    result = await client.block_bot(uid, update=False)
    assert result == {"blocked": True, "update_id": None}
    assert [u for u in await client.pending_updates() if "my_chat_member" in u] == []
    status, body = await api("sendMessage", chat_id=uid, text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
