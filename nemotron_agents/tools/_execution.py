"""Run a tool's function under a timeout and turn what it raises into errors for the model.

The rules, in order:

* LangGraph's ``GraphBubbleUp`` (``interrupt()``, ``Command`` hand-offs) passes untouched: it is
  control flow, not failure.
* A :class:`~nemotron_agents.errors.ToolCallError` passes as is: it is already for the model.
* :class:`~nemotron_agents.errors.ToolRetry` becomes a ``ToolExecutionError`` with the tool's own
  words, no exception type.
* Anything else becomes ``ToolExecutionError("Tool 'x' failed: RuntimeError: kaboom")``.
* Running past the timeout raises :class:`~nemotron_agents.errors.ToolTimeoutError`. Python cannot
  kill a thread, so a sync function that overran keeps running in the background, abandoned.

On the async path a sync function runs in a worker thread of its own (up to
:data:`MAX_TOOL_THREADS` at once), so every call of a model turn runs at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from langgraph.errors import GraphBubbleUp

from nemotron_agents.errors import ToolCallError, ToolExecutionError, ToolRetry, ToolTimeoutError

__all__ = [
    "FAILED_TEMPLATE",
    "MAX_TOOL_THREADS",
    "TIMEOUT_TEMPLATE",
    "in_daemon_thread",
    "in_worker_thread",
    "run_async",
    "run_blocking",
    "run_sync",
]

T = TypeVar("T")

#: Most sync tool calls that run at once on the async path, each in a thread of its own.
MAX_TOOL_THREADS = 32

FAILED_TEMPLATE = "Tool '{tool}' failed: {error}"
TIMEOUT_TEMPLATE = (
    "Tool '{tool}' did not finish within {timeout:g}s and was abandoned. "
    "Try again with narrower arguments, or another way."
)


class _Overran(Exception):
    """The function was still running when the timeout struck (private: tools cannot raise it)."""


def _for_model(tool_name: str, exc: Exception) -> Exception:
    if isinstance(exc, (GraphBubbleUp, ToolCallError)):
        return exc
    if isinstance(exc, ToolRetry):
        return ToolExecutionError(str(exc), tool_name=tool_name)
    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return ToolExecutionError(
        FAILED_TEMPLATE.format(tool=tool_name, error=error), tool_name=tool_name
    )


def _timed_out(tool_name: str, timeout: float) -> ToolTimeoutError:
    return ToolTimeoutError(
        TIMEOUT_TEMPLATE.format(tool=tool_name, timeout=timeout), tool_name=tool_name
    )


async def run_async(
    tool_name: str,
    call: Callable[[], Awaitable[T]],
    *,
    timeout: float | None,  # noqa: ASYNC109 (the tool's own limit, enforced here)
) -> T:
    """Await ``call()`` within ``timeout`` seconds, translating errors (see the module rules)."""
    scope = None
    try:
        if timeout is None:
            return await call()
        async with asyncio.timeout(timeout) as scope:
            return await call()
    except Exception as exc:
        if scope is not None and scope.expired():
            raise _timed_out(tool_name, timeout or 0) from None
        error = _for_model(tool_name, exc)
        if error is exc:
            raise
        raise error from exc


def run_sync(tool_name: str, call: Callable[[], T], *, timeout: float | None) -> T:
    """Call ``call()`` within ``timeout`` seconds, translating errors (see the module rules).

    Without a timeout the call runs in this thread; with one, in a daemon thread that is
    abandoned if it overruns.
    """
    try:
        return call() if timeout is None else _in_thread(call, timeout)
    except _Overran:
        raise _timed_out(tool_name, timeout or 0) from None
    except Exception as exc:
        error = _for_model(tool_name, exc)
        if error is exc:
            raise
        raise error from exc


def _in_thread(call: Callable[[], T], timeout: float | None) -> T:
    values: list[T] = []
    errors: list[BaseException] = []
    context = contextvars.copy_context()  # keeps LangGraph's config and callbacks visible

    def target() -> None:
        try:
            values.append(context.run(call))
        except BaseException as exc:  # noqa: BLE001 (handed to the caller below)
            errors.append(exc)

    worker = threading.Thread(target=target, name="tool-call", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _Overran()
    if errors:
        raise errors[0]
    return values[0]


async def in_daemon_thread(call: Callable[[], T]) -> T:
    """Await ``call()`` run in a daemon thread of its own.

    For sync tools with a timeout: ``asyncio.to_thread`` would leave an overrunning call holding
    a slot of the loop's shared executor, and closing the loop would wait for it.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: Any, error: BaseException | None) -> None:
        if future.done():  # abandoned after a timeout
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def target() -> None:
        value, error = None, None
        try:
            value = context.run(call)
        except BaseException as exc:  # noqa: BLE001 (handed to the awaiting task)
            error = exc
        # RuntimeError: the loop closed meanwhile, so nobody is waiting any more
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, value, error)

    context = contextvars.copy_context()
    threading.Thread(target=target, name="tool-call", daemon=True).start()
    return await future


_workers: ThreadPoolExecutor | None = None
_workers_lock = threading.Lock()


def _worker_pool() -> ThreadPoolExecutor:
    global _workers
    with _workers_lock:
        if _workers is None:
            _workers = ThreadPoolExecutor(MAX_TOOL_THREADS, thread_name_prefix="tool-call")
        return _workers


async def in_worker_thread(call: Callable[[], T]) -> T:
    """Await ``call()`` run in a worker thread shared by all tools (at most
    :data:`MAX_TOOL_THREADS`).

    Not ``asyncio.to_thread``: the loop's default executor has only ``cores + 4`` threads, so
    on a small machine eight sync calls of one turn would run in two waves; this pool starts a
    thread for each call running at once, up to the cap.
    """
    context = contextvars.copy_context()  # keeps LangGraph's config and callbacks visible
    return await asyncio.get_running_loop().run_in_executor(_worker_pool(), context.run, call)


def run_blocking(make: Callable[[], Awaitable[T]]) -> T:
    """Run ``make()``'s coroutine to completion from sync code, even inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(make))
    # asyncio.run refuses to nest: give the coroutine a fresh loop in a helper thread.
    return _in_thread(lambda: asyncio.run(_await(make)), None)


async def _await(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
