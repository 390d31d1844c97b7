"""``LoopThread``: an event loop in a daemon thread that owns the MCP sessions.

The MCP SDK's transports are anyio task groups: a session must be opened and closed by the same
task, on one loop. Tool calls come from worker threads (sync graphs) and from other event loops
(async graphs, ``asyncio.run`` per call), so every session lives on this one loop and calls are
submitted to it; the caller blocks on, or awaits, a future.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """A running event loop in a daemon thread, with thread-safe ``submit`` / ``run`` / ``stop``."""

    def __init__(self, name: str) -> None:
        """Start the loop's thread.

        Args:
            name: The thread's name (shown in tracebacks and debuggers).
        """
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()
        self._stopped = False

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop; returns its future.

        Raises:
            RuntimeError: The loop was stopped.
        """
        if self._stopped:
            coro.close()
            raise RuntimeError("the MCP event loop is stopped")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result from this (other) thread."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError(
                "LoopThread.run called from its own loop: await the coroutine instead"
            )
        return self.submit(coro).result(timeout)

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` run on the loop, from another event loop."""
        return await asyncio.wrap_future(self.submit(coro))

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel what still runs on the loop, stop it and join its thread. Idempotent."""
        if self._stopped:
            return
        # stop anyway on failure: the thread is a daemon
        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self.run(_cancel_others(), timeout)
        self._stopped = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()


async def _cancel_others() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
