"""How the emulated model decides what to answer.

* ``"auto"`` (:func:`auto_reply`): deterministic, plausible behaviour from the request alone.
* ``"scripted"``: replies queued by :meth:`NIMEmulator.script`, one per call.
* a callable ``(request_body: dict) -> ReplyLike | None`` (``None`` falls back to ``"auto"``).

``auto`` in detail:

1. ``tool_choice`` ``"required"`` or a named function forces a tool call, whatever came before:
   the offline policy's next call when it has one for an allowed tool, else the most relevant
   tool (see :func:`relevance`; the named one) with arguments from
   :func:`~.schema_values.make_value`.
2. Otherwise, ``response_format`` (``json_schema`` or ``json_object``) or, when honoured,
   ``guided_json`` / ``nvext.guided_json`` makes the content a JSON value of that schema.
3. Otherwise, when tools are offered, the offline policy (:mod:`.offline`) answers: it reads
   the last user message into steps (arithmetic, percentages, unit conversions, calls of a tool
   the message names), makes their calls over as many turns as the steps need, and then answers
   in sentences quoting the tools' results ("15% of 240 is 36."). What it cannot map with
   confidence it declines, saying it is the offline emulator and how to get a real model. With
   ``tool_choice`` ``"none"`` it makes no calls. A conversation holding calls it did not make
   (scripted, corrupted by a fault) gets the results quoted: ``"Tool results: get_weather
   returned sunny."``.
4. Without tools, after tool results it quotes them as above; otherwise it echoes the user:
   ``"You said: <text>"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nemotron_agents.testing.emulator._model.replies import (
    Reply,
    ReplyLike,
    ToolCall,
)
from nemotron_agents.testing.emulator._model.schema_values import (
    EXPR_FIELDS,
    TextHints,
    find_expression,
    make_value,
)
from nemotron_agents.testing.emulator.offline import message_text, offline_reply
from nemotron_agents.testing.emulator.offline.words import STOP_WORDS, WordIndex, content_words

__all__ = ["Policy", "auto_reply", "relevance", "user_text"]

#: ``"auto"``, ``"scripted"`` or a callable (see the module docstring).
Policy = str | Callable[[dict[str, Any]], ReplyLike | None]


def user_text(messages: list[dict[str, Any]]) -> str:
    """Text of the last user message ('' when there is none)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    return ""


def _hits(said: WordIndex, words: set[str]) -> int:
    return sum(1 for word in words if said.has(word))


def relevance(
    text: str, tool: dict[str, Any], *, said: WordIndex | None = None
) -> tuple[int, bool]:
    """``(score, name mentioned)`` of an offered tool for the user's text.

    Each name word the text mentions scores 3, each other description word 1; words match when
    equal or sharing a prefix of six letters or more (three quarters of the shorter word). An
    arithmetic expression in the text adds 2 for a tool with an ``expression`` parameter.

    Args:
        text: The user's text.
        tool: An OpenAI-style tool.
        said: The text's words, when the caller has indexed them already.
    """
    fn = tool.get("function", {})
    said = said if said is not None else WordIndex(content_words(text))
    name_words = set(content_words(fn.get("name", "")))
    name_hits = _hits(said, name_words)
    desc_hits = _hits(said, set(content_words(fn.get("description", ""))) - name_words)
    params = (fn.get("parameters") or {}).get("properties") or {}
    expression = 2 if EXPR_FIELDS & set(params) and find_expression(text) else 0
    return 3 * name_hits + desc_hits + expression, name_hits > 0


def _call(tool: dict[str, Any], hints: TextHints, ids: Callable[[], str]) -> ToolCall:
    fn = tool["function"]
    schema = fn.get("parameters") or {"type": "object", "properties": {}}
    args = make_value(schema, hints)
    return ToolCall(fn["name"], args if isinstance(args, dict) else {}, ids())


def _pick_tools(body: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The tools a forced call goes to: the named one, else the most relevant (and, in
    parallel, every other tool the text names)."""
    tools = [t for t in body.get("tools") or [] if isinstance(t.get("function"), dict)]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = choice.get("function", {}).get("name")
        return [t for t in tools if t["function"].get("name") == name][:1]
    said = WordIndex(content_words(text))
    scored = [(relevance(text, t, said=said), i, t) for i, t in enumerate(tools)]
    best = max(scored, key=lambda s: (s[0][0], -s[1]), default=None)
    if best is None:
        return []
    if best[0][0] < 2 or body.get("parallel_tool_calls") is False:
        return [best[2]]
    return [t for (score, named), i, t in scored if t is best[2] or named]


def _structured_schema(body: dict[str, Any], *, honour_guided_json: bool) -> dict[str, Any] | None:
    fmt = body.get("response_format")
    if isinstance(fmt, dict):
        if fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema") or {}
            return spec.get("schema") or {"type": "object"}
        if fmt.get("type") == "json_object":
            return {
                "type": "object",
                "properties": {"response": {"type": "string"}},
                "required": ["response"],
            }
    if honour_guided_json:
        guided = body.get("guided_json") or (body.get("nvext") or {}).get("guided_json")
        if isinstance(guided, str):
            try:
                guided = json.loads(guided)
            except json.JSONDecodeError:
                guided = None
        if isinstance(guided, dict):
            return guided
    return None


def _tool_results_text(messages: list[dict[str, Any]]) -> str:
    names: dict[str, str] = {}
    results: list[tuple[str, str]] = []
    for message in messages:
        if message.get("role") == "assistant":
            results = []
            for call in message.get("tool_calls") or []:
                if isinstance(call, dict):
                    names[str(call.get("id"))] = call.get("function", {}).get("name", "tool")
        elif message.get("role") == "tool":
            name = names.get(str(message.get("tool_call_id")), message.get("name") or "tool")
            results.append((name, message_text(message.get("content"))))
    parts = [f"{name} returned {content}" for name, content in results] or ["(none)"]
    return "Tool results: " + "; ".join(parts) + "."


def auto_reply(
    body: dict[str, Any], *, ids: Callable[[], str], honour_guided_json: bool = True
) -> Reply:
    """The deterministic answer of the ``"auto"`` policy (see the module docstring).

    Args:
        body: The validated request body.
        ids: Source of new tool-call ids.
        honour_guided_json: Whether ``guided_json`` / ``nvext.guided_json`` shape the output.
    """
    messages = body.get("messages") or []
    text = user_text(messages)
    tools = body.get("tools") or []
    choice = body.get("tool_choice", "auto" if tools else "none")
    forced = choice == "required" or isinstance(choice, dict)
    last_role = messages[-1].get("role") if messages else None
    names = [str(t.get("function", {}).get("name", "")) for t in tools]
    tool_words = {w for name in names for w in content_words(name)}

    if tools and forced:
        planned = offline_reply(body, ids=ids)
        if planned is not None and planned.tool_calls:
            return planned
        hints = TextHints(text, skip_words=STOP_WORDS | tool_words)
        return Reply(tool_calls=tuple(_call(t, hints, ids) for t in _pick_tools(body, text)))
    schema = _structured_schema(body, honour_guided_json=honour_guided_json)
    if schema is not None:
        hints = TextHints(text, skip_words=STOP_WORDS | tool_words)
        value = make_value(schema, hints, all_properties=True)
        return Reply(content=json.dumps(value, ensure_ascii=False))
    if tools:
        reply = offline_reply(body, ids=ids, calls_allowed=choice != "none")
        if reply is not None:
            return reply
    if last_role == "tool":
        return Reply(content=_tool_results_text(messages))
    return Reply(content=f"You said: {text}" if text else "Hello! How can I help?")
