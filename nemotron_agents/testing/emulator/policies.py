"""How the emulated model decides what to answer.

* ``"auto"`` (:func:`auto_reply`): deterministic, plausible behaviour from the request alone.
* ``"scripted"``: replies queued by :meth:`NIMEmulator.script`, one per call.
* a callable ``(request_body: dict) -> ReplyLike | None`` (``None`` falls back to ``"auto"``).

``auto`` in detail:

1. ``tool_choice`` ``"required"`` or a named function forces a tool call, whatever came before.
2. Otherwise, ``response_format`` (``json_schema`` or ``json_object``) or, when honoured,
   ``guided_json`` / ``nvext.guided_json`` makes the content a JSON value of that schema.
3. Otherwise, when tools are offered, ``tool_choice`` is ``"auto"`` (the default) and the last
   message is the user's, the most relevant tools are called. Relevance is word overlap between
   the user's text and each tool's name (3 points a word) and description (1 point a word); the
   best tool is called when it scores at least 2, and every other tool whose *name* the text
   mentions is called in parallel with it (unless ``parallel_tool_calls`` is false). Words
   match loosely (``%`` is "percent", "percent" matches "percentage"; see :func:`relevance`).
   An arithmetic expression in the text adds 2 points to a tool with an ``expression``
   parameter. Arguments come from :func:`~.schema_values.make_value`.
4. After tool results (last message ``tool``), the answer quotes them:
   ``"Tool results: get_weather returned sunny."``.
5. Otherwise it echoes the user: ``"You said: <text>"``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from nemotron_agents.testing.emulator.replies import (
    Reply,
    ReplyLike,
    ToolCall,
)
from nemotron_agents.testing.emulator.schema_values import EXPR_FIELDS, TextHints, find_expression, make_value

__all__ = ["Policy", "auto_reply", "relevance", "user_text"]

#: ``"auto"``, ``"scripted"`` or a callable (see the module docstring).
Policy = str | Callable[[dict[str, Any]], ReplyLike | None]

_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "my",
        "your",
        "our",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "please",
        "tell",
        "give",
        "get",
        "set",
        "use",
        "call",
        "run",
        "tool",
        "function",
        "s",
        "t",
        "just",
        "now",
        "current",
        "currently",
        "some",
        "any",
        "all",
    ]
)
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(text: str) -> set[str]:
    """Lower-case content words, camelCase and snake_case split, plural 's' dropped, ``%`` read
    as "percent"."""
    words = set()
    for word in _WORD_RE.findall((text or "").replace("%", " percent ")):
        word = word.lower()
        if word in _STOP_WORDS or len(word) < 2:
            continue
        words.add(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    return words


def _content_text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def user_text(messages: list[dict[str, Any]]) -> str:
    """Text of the last user message ('' when there is none)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def _same_word(a: str, b: str) -> bool:
    # Equal, or sharing a long prefix: "percent"/"percentage", "convert"/"conversion".
    if a == b:
        return True
    shared = len(os.path.commonprefix([a, b]))
    return shared >= 6 and shared >= 0.75 * min(len(a), len(b))


def _hits(said: set[str], words: set[str]) -> int:
    return sum(1 for word in words if any(_same_word(word, s) for s in said))


def relevance(text: str, tool: dict[str, Any]) -> tuple[int, bool]:
    """``(score, name mentioned)`` of an offered tool for the user's text.

    Each name word the text mentions scores 3, each other description word 1; words match when
    equal or sharing a prefix of six letters or more (three quarters of the shorter word).
    """
    fn = tool.get("function", {})
    said = _words(text)
    name_words = _words(fn.get("name", ""))
    name_hits = _hits(said, name_words)
    desc_hits = _hits(said, _words(fn.get("description", "")) - name_words)
    # An arithmetic expression in the text is what an ``expression`` parameter is for.
    params = (fn.get("parameters") or {}).get("properties") or {}
    expression = 2 if find_expression(text) and EXPR_FIELDS & set(params) else 0
    return 3 * name_hits + desc_hits + expression, name_hits > 0


def _call(tool: dict[str, Any], hints: TextHints, ids: Callable[[], str]) -> ToolCall:
    fn = tool["function"]
    schema = fn.get("parameters") or {"type": "object", "properties": {}}
    args = make_value(schema, hints)
    return ToolCall(fn["name"], args if isinstance(args, dict) else {}, ids())


def _pick_tools(body: dict[str, Any], text: str, *, forced: bool) -> list[dict[str, Any]]:
    tools = [t for t in body.get("tools") or [] if isinstance(t.get("function"), dict)]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = choice.get("function", {}).get("name")
        return [t for t in tools if t["function"].get("name") == name][:1]
    scored = [(relevance(text, t), i, t) for i, t in enumerate(tools)]
    best = max(scored, key=lambda s: (s[0][0], -s[1]), default=None)
    if best is None:
        return []
    if best[0][0] < 2:
        return [best[2]] if forced else []
    if body.get("parallel_tool_calls") is False:
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
            results.append((name, _content_text(message.get("content"))))
    parts = [f"{name} returned {content}" for name, content in results] or ["(none)"]
    return "Tool results: " + "; ".join(parts) + "."


def auto_reply(body: dict[str, Any], *, ids: Callable[[], str], honour_guided_json: bool = True) -> Reply:
    """The deterministic answer of the ``"auto"`` policy (see the module docstring).

    Args:
        body: The validated request body.
        ids: Source of new tool-call ids.
        honour_guided_json: Whether ``guided_json`` / ``nvext.guided_json`` shape the output.
    """
    messages = body.get("messages") or []
    text = user_text(messages)
    tools = body.get("tools") or []
    tool_words = {w for t in tools for w in _words(str(t.get("function", {}).get("name", "")))}
    hints = TextHints(text, skip_words=_STOP_WORDS | tool_words)
    choice = body.get("tool_choice", "auto" if tools else "none")
    forced = choice == "required" or isinstance(choice, dict)
    last_role = messages[-1].get("role") if messages else None

    if tools and forced:
        picked = _pick_tools(body, text, forced=True)
        return Reply(tool_calls=tuple(_call(t, hints, ids) for t in picked))
    schema = _structured_schema(body, honour_guided_json=honour_guided_json)
    if schema is not None:
        value = make_value(schema, hints, all_properties=True)
        return Reply(content=json.dumps(value, ensure_ascii=False))
    if tools and choice == "auto" and last_role == "user":
        picked = _pick_tools(body, text, forced=False)
        if picked:
            return Reply(tool_calls=tuple(_call(t, hints, ids) for t in picked))
    if last_role == "tool":
        return Reply(content=_tool_results_text(messages))
    return Reply(content=f"You said: {text}" if text else "Hello! How can I help?")
