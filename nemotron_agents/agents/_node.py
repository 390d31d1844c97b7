"""``node``: a graph node from a sync and an async function, without per-call overhead.

``RunnableLambda`` inspects its function's signature and opens a callback run on every call; in a
loop of hundreds of steps that was about 5% of the agent's time. LangGraph's own callable (the
one ``langchain.agents.create_agent`` uses for its nodes) reads the signature once. It lives in
a private LangGraph module, so it is imported here and nowhere else.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import Runnable
from langgraph._internal._runnable import RunnableCallable

__all__ = ["node"]


def node(
    func: Callable[..., Any], afunc: Callable[..., Awaitable[Any]] | None = None, *, name: str
) -> Runnable[Any, Any]:
    """A node that runs ``func`` on ``invoke`` and ``afunc`` (else ``func``) on ``ainvoke``.

    Args:
        func: ``(state)`` or ``(state, config)``, returning an update or a ``Command``.
        afunc: Its async twin; ``None`` runs ``func`` on the event loop (keep it non-blocking).
        name: The node's name in traces.
    """
    if afunc is None:

        async def afunc(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

        # what inspect.signature reads (functions declare no __signature__ attribute for mypy)
        afunc.__dict__["__signature__"] = inspect.signature(func)
    return RunnableCallable(func, afunc, name=name, trace=False)
