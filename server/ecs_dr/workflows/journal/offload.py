"""Journal I/O off the event loop: sqlite3 blocks, and a busy journal (another writer holding
the lock for up to the busy timeout, a write retried for seconds) must not stall the server's
other tasks, progress notifications included. The Journal stays synchronous; async code calls
it through `off_loop`, in a worker thread.

One journal thread at a time per event loop, first come first served: SQLite takes one
writer anyway, and the steps that concurrent tasks record keep the order in which the tasks
asked (as they did when the journal ran on the loop itself)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

_P = ParamSpec("_P")
_R = TypeVar("_R")

_JOURNAL_THREAD: RunVar[anyio.CapacityLimiter] = RunVar("ecs_dr_journal_thread")


def _journal_thread() -> anyio.CapacityLimiter:
    """This event loop's one-at-a-time limiter for journal calls."""
    try:
        return _JOURNAL_THREAD.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(1)
        _JOURNAL_THREAD.set(limiter)
        return limiter


async def off_loop(call: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """`call(*args, **kwargs)` in a worker thread. Shielded, as the synchronous call was: a
    journal call once begun is made (a resource id ECS returned is recorded, an outcome
    written), and a cancelled caller sees its cancellation at its next checkpoint."""
    with anyio.CancelScope(shield=True):
        result = await anyio.to_thread.run_sync(
            functools.partial(call, *args, **kwargs), limiter=_journal_thread()
        )
    return result
