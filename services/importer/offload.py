"""CPU-heavy parsing away from the event loop: a big file in a worker process, a small one in a
thread. A thread alone is not enough for a big file: openpyxl is pure Python, so the parsing
thread would hold the GIL and every other user's update would queue behind it. The parsed tasks
come back in small pickled chunks, read one at a time between other updates."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import pickle
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from services import tasklist as tl

log = logging.getLogger(__name__)

T = TypeVar("T")
PROCESS_FROM_BYTES = 256 * 1024  # below this a thread is quicker than shipping the work out
TASKS_PER_CHUNK = 500

_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def _task_list_in(result: object) -> tl.TaskList | None:
    """The task list a parser returned (itself, or first in a tuple)."""
    if isinstance(result, tl.TaskList):
        return result
    if isinstance(result, tuple) and result and isinstance(result[0], tl.TaskList):
        return result[0]
    return None


def _in_worker(call: Callable[[], Any]) -> tuple[bytes, list[bytes]]:
    """Run the parser; ship its tasks apart from the rest, a chunk at a time."""
    result = call()
    holder = _task_list_in(result)
    tasks = holder.tasks if holder is not None else []
    if holder is not None:
        holder.tasks = []
    chunks = [
        pickle.dumps(tasks[i : i + TASKS_PER_CHUNK]) for i in range(0, len(tasks), TASKS_PER_CHUNK)
    ]
    return pickle.dumps(result), chunks


async def run_parser(size: int, func: Callable[..., T], /, *args: object, **kwargs: object) -> T:
    """Run `func(*args, **kwargs)` (module-level, picklable) off the loop, sized by `size`."""
    call = partial(func, *args, **kwargs)
    if size < PROCESS_FROM_BYTES:
        return await asyncio.to_thread(call)
    global _pool
    try:
        head, chunks = await asyncio.get_running_loop().run_in_executor(
            _executor(), _in_worker, call
        )
    except BrokenProcessPool:  # the worker died (killed, out of memory): try once in a thread
        log.warning("parser process died; parsing in a thread instead")
        _pool = None
        return await asyncio.to_thread(call)
    result: T = pickle.loads(head)
    holder = _task_list_in(result)
    for chunk in chunks:
        await asyncio.sleep(0)  # let other updates run between chunks
        if holder is not None:
            holder.tasks.extend(pickle.loads(chunk))
    return result
