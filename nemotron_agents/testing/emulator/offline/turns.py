"""Play a request's steps over turns, from the conversation alone (the policy keeps no state).

Each request carries the whole exchange since the user's message. :func:`offline_reply` reads
the steps again (:func:`~.parts.understand` is deterministic), replays the assistant turns since
that message — each must hold exactly the calls this policy would have made, else the history
is *foreign* (scripted, corrupted by a fault, from another client) and ``None`` is returned —
and records each tool result against its step. Then it answers with the next calls:

* every step not yet called whose inputs are ready, all in one turn (one per turn when
  ``parallel_tool_calls`` is false); a step that uses the previous result waits for it;
* a failed step once more, when the error says how to fix it (:mod:`.retry`);

or, when nothing is left to call, with the final answer (:mod:`.answers`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from nemotron_agents.testing.emulator._model.replies import Reply, ToolCall
from nemotron_agents.testing.emulator.offline import answers
from nemotron_agents.testing.emulator.offline.expressions import Bin, Call, Num, Ref
from nemotron_agents.testing.emulator.offline.intents import (
    Arithmetic,
    Conversion,
    PercentOf,
    Scale,
    ToolUse,
)
from nemotron_agents.testing.emulator.offline.offered import Offered, read_tools
from nemotron_agents.testing.emulator.offline.parts import Step, understand
from nemotron_agents.testing.emulator.offline.retry import Fix, as_number, correct, looks_like_error
from nemotron_agents.testing.emulator.offline.shapes import Prepared, Previous, prepare

__all__ = ["message_text", "offline_reply"]


def message_text(content: Any) -> str:
    """The text of a message's content (a string or a list of text parts)."""
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


@dataclass
class _Attempt:
    call: Prepared
    id: str
    previous: Previous | None
    fix: Fix | None = None
    result: str | None = None


@dataclass
class _Play:
    steps: list[Step]
    tools: list[Offered]
    parallel: bool
    only: str | None  # the one tool tool_choice allows, if it names one
    calls_allowed: bool = True  # False when tool_choice is "none"
    attempts: dict[int, list[_Attempt]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.attempts = {step.index: [] for step in self.steps}

    # --- state of a step ------------------------------------------------------------------

    def succeeded(self, step: Step) -> bool:
        last = self.attempts[step.index][-1]
        if last.result is None:
            return False
        if isinstance(step.intent, ToolUse):
            return not looks_like_error(last.result)
        return as_number(last.result) is not None

    def done(self, step: Step) -> bool:
        return bool(self.attempts[step.index]) and self.succeeded(step)

    def unit(self, step: Step) -> str | None:
        """The unit of a step's result, when it has one ("km" after converting to km)."""
        intent = step.intent
        attempts = self.attempts[step.index]
        fix = attempts[-1].fix if attempts else None
        if isinstance(intent, Conversion):
            return fix.new if fix is not None and fix.old == intent.to_unit else intent.to_unit
        keeps = (isinstance(intent, (PercentOf, Scale)) and isinstance(intent.base, Ref)) or (
            isinstance(intent, Arithmetic) and _keeps_unit(intent.expr)
        )
        if keeps and step.after is not None:
            return self.unit(self.steps[step.after])
        return None

    def previous(self, step: Step) -> Previous | Literal[False] | None:
        """The result ``step`` uses, ``None`` when it uses none, ``False`` when it is not ready."""
        if step.after is None:
            return None
        before = self.steps[step.after]
        if not self.done(before):
            return False
        return Previous(
            answers.tidy(self.attempts[before.index][-1].result or ""), self.unit(before)
        )

    # --- calls ----------------------------------------------------------------------------

    def prepared(self, step: Step, previous: Previous | None) -> Prepared | str:
        if isinstance(step.intent, ToolUse):
            return Prepared(step.intent.name, step.intent.args)
        assert step.intent is not None
        return prepare(step.intent, self.tools, previous)

    def next_calls(self) -> list[tuple[Step, Prepared, Previous | None, Fix | None]]:
        calls: list[tuple[Step, Prepared, Previous | None, Fix | None]] = []
        for step in self.steps:
            if step.intent is None:
                continue
            attempts = self.attempts[step.index]
            if attempts:
                last = attempts[-1]
                if len(attempts) == 1 and last.result is not None and not self.succeeded(step):
                    retry = correct(last.call, last.result)
                    if retry is not None:
                        calls.append((step, retry[0], last.previous, retry[1]))
                continue
            previous = self.previous(step)
            if previous is False:
                continue
            prepared = self.prepared(step, previous or None)
            if isinstance(prepared, Prepared):
                calls.append((step, prepared, previous or None, None))
        if self.only is not None:
            calls = [c for c in calls if c[1].tool == self.only]
        return calls if self.parallel else calls[:1]

    def replay(self, history: list[dict[str, Any]]) -> bool:
        """Record the calls and results since the user's message; ``False`` when they are not
        the calls this policy makes."""
        by_id: dict[str, _Attempt] = {}
        for message in history:
            role = message.get("role")
            if role == "assistant" and message.get("tool_calls"):
                made = [_call_of(c) for c in message["tool_calls"]]
                expected = self.next_calls()
                if made != [(p.tool, p.args) for _, p, _, _ in expected]:
                    return False
                for (step, prepared, previous, fix), call in zip(
                    expected, message["tool_calls"], strict=False
                ):
                    attempt = _Attempt(prepared, str(call.get("id")), previous, fix)
                    self.attempts[step.index].append(attempt)
                    by_id[attempt.id] = attempt
            elif role == "tool":
                answered = by_id.get(str(message.get("tool_call_id")))
                if answered is None:
                    return False
                answered.result = message_text(message.get("content"))
        return True

    # --- the answer -----------------------------------------------------------------------

    def final_answer(self) -> str:
        sentences: list[str] = []
        declined: list[tuple[str, str]] = []
        for step in self.steps:
            if step.intent is None:
                declined.append((step.text, step.reason))
                continue
            attempts = self.attempts[step.index]
            last = attempts[-1] if attempts else None
            if last is None or last.result is None:
                sentences.append(answers.blocked(step.text, self._why_not_called(step)))
                continue
            outcome = answers.Outcome(last.call, last.result, last.previous, last.fix)
            if self.succeeded(step):
                sentences.append(answers.success(step.intent, outcome, self.unit(step)))
            else:
                sentences.append(answers.failure(step.intent, outcome))
        if declined:
            sentences.append(answers.declined(declined, anything_else=bool(sentences)))
        if not sentences:
            return answers.nothing_asked([t.name for t in self.tools])
        return " ".join(sentences)

    def _why_not_called(self, step: Step) -> str:
        if not self.calls_allowed:
            return 'tool calls are turned off for this request (tool_choice "none")'
        if self.only is not None:
            return f"tool_choice allows only {self.only}"
        previous = self.previous(step)
        if previous is False:
            return "the step before it did not give a number"
        prepared = self.prepared(step, previous or None)
        return prepared if isinstance(prepared, str) else "it was not called"


def _keeps_unit(expr: object) -> bool:
    # "it * 3", "it / 4", "it + 5", "round(it, 2)": still in the previous result's unit.
    if (
        isinstance(expr, Bin)
        and expr.op in "+-*/"
        and isinstance(expr.left, Ref)
        and isinstance(expr.right, Num)
    ):
        return True
    return (
        isinstance(expr, Call)
        and expr.name == "round"
        and bool(expr.args)
        and isinstance(expr.args[0], Ref)
    )


def _call_of(call: dict[str, Any]) -> tuple[object, object]:
    fn = call.get("function") or {}
    raw = fn.get("arguments")
    try:
        args = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        args = raw
    return fn.get("name"), args


def offline_reply(
    body: dict[str, Any],
    *,
    ids: Callable[[], str],
    calls_allowed: bool = True,
) -> Reply | None:
    """The offline policy's reply to a request that offers tools, or ``None`` when the
    conversation holds calls it did not make (the caller answers those another way).

    Args:
        body: The validated request body; its last user message is the request.
        ids: Source of new tool-call ids.
        calls_allowed: ``False`` when ``tool_choice`` is ``"none"``.
    """
    messages = body.get("messages") or []
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    text = message_text(messages[last_user].get("content")) if last_user >= 0 else ""
    choice = body.get("tool_choice")
    only = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    tools = read_tools(body)
    parallel = body.get("parallel_tool_calls") is not False
    play = _Play(understand(text, tools), tools, parallel, only, calls_allowed)
    if not play.replay(messages[last_user + 1 :]):
        return None
    calls = play.next_calls() if calls_allowed else []
    if calls:
        return Reply(tool_calls=tuple(ToolCall(p.tool, p.args, ids()) for _, p, _, _ in calls))
    return Reply(content=play.final_answer())
