"""Human approval of tool calls: the forms a resume value may take.

When a tool has ``requires_approval=True``, the ``tools`` node interrupts with
``{"type": "tool_approval", "requests": [{"id", "name", "args", "description"}, …]}`` and runs
nothing until the graph is resumed with ``Command(resume=answer)``, where ``answer`` is one of:

* ``True`` / ``"approve"``: approve every pending call; ``False`` / ``"reject"``: reject all;
* ``{call_id: decision}`` per call, where a decision is ``True``, ``False``, ``"approve"``,
  ``"reject"`` or ``{"decision": "reject", "reason": "…"}``. A call left out is rejected: nothing
  with side effects runs without an explicit yes.

A rejected call is reported to the model as an error ``ToolMessage`` that carries the reason.
"""

from __future__ import annotations

from typing import Any

__all__ = ["decide", "ALLOWED_ANSWERS"]

ALLOWED_ANSWERS = (
    "True, False, 'approve', 'reject', or a dict {call_id: True | False | 'approve' | 'reject' | "
    "{'decision': 'approve' | 'reject', 'reason': str}}"
)


def _verdict(decision: Any) -> tuple[bool, str | None] | None:
    if decision is True or decision == "approve":
        return True, None
    if decision is False or decision == "reject":
        return False, None
    if isinstance(decision, dict) and decision.get("decision") in ("approve", "reject"):
        return decision["decision"] == "approve", decision.get("reason")
    return None


def decide(answer: Any, call_id: str) -> str | None:
    """The error text for a rejected call, or ``None`` when it may run.

    Args:
        answer: The value the graph was resumed with.
        call_id: Id of the call being decided.

    Raises:
        ValueError: ``answer`` has none of the allowed forms (the message lists them).
    """
    verdict = _verdict(answer)
    if verdict is None and isinstance(answer, dict):
        verdict = _verdict(answer.get(call_id, False))
    if verdict is None:
        raise ValueError(f"Unrecognised approval answer {answer!r}; allowed: {ALLOWED_ANSWERS}")
    approved, reason = verdict
    if approved:
        return None
    because = f": {reason}" if reason else "."
    return f"Error: a human rejected this call, so it did not run{because} Do not retry it unchanged."
