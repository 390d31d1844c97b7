"""The oracle: an emulator policy that answers each BFCL question with its ground truth.

Run through the whole path (registry, wire names, ``bind_tools``, hygiene, HTTP, parsing,
mapping names back, grading), it should score about 100%: each miss is a fault of the data or
of this toolkit, never of a model. The answer is the first ground-truth alternative: for each
parameter the first accepted value that is not ``""``, and no value at all when ``""`` comes
first and the schema does not require the parameter (the same inside nested dicts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from nemotron_agents.errors import NemotronAgentsError
from nemotron_agents.eval.bfcl import Question

__all__ = ["NO_CALL_TEXT", "UNKNOWN_TEXT", "OraclePolicy", "OracleReply", "oracle_arguments"]

#: A reply for the emulator: text, or the calls to make (``{"name", "arguments"}`` each).
OracleReply = str | list[dict[str, Any]]

#: The oracle's answer to an irrelevance question.
NO_CALL_TEXT = "None of the offered functions fits this request."
#: Its answer to a request it does not know (no call, so the miss shows).
UNKNOWN_TEXT = "Oracle: this request matches no loaded BFCL question."


def _key(
    user_texts: Iterable[str], tool_names: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(user_texts), tuple(sorted(tool_names))


def _text(content: Any) -> str:
    if isinstance(content, list):  # content blocks
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return content if isinstance(content, str) else ""


def _value(accepted: Any, schema: Any) -> Any:
    if isinstance(accepted, dict):  # answer form: {key: [accepted values]}
        return oracle_arguments(accepted, schema)
    if isinstance(accepted, list):
        items = schema.get("items") if isinstance(schema, Mapping) else None
        return [_value(item, items) for item in accepted]
    return accepted


def oracle_arguments(accepted: Mapping[str, Sequence[Any]], schema: Any) -> dict[str, Any]:
    """Arguments built from the first accepted values (see the module docstring).

    Args:
        accepted: Parameter → accepted values, as in BFCL's possible answers.
        schema: The BFCL object schema of those parameters (for ``required`` and nesting).
    """
    schema = schema if isinstance(schema, Mapping) else {}
    props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    required = set(schema.get("required") or ())
    args = {}
    for name, values in accepted.items():
        values = list(values)
        if not values or (values[0] == "" and name not in required):
            continue
        chosen = next((v for v in values if v != ""), None)
        if chosen is None:  # only "" and yet required: nothing to send (a data fault)
            continue
        args[name] = _value(chosen, props.get(name))
    return args


class OraclePolicy:
    """A ``NIMEmulator`` policy (``(request_body) -> reply``) that knows the answers.

    A request is recognised by its user messages and the names of its tools, which are unique
    across BFCL's categories.

    Example:
        ``NIMEmulator(policy=OraclePolicy(load_questions(data, ["simple_python"])))``

    Args:
        questions: The questions it may be asked.
    """

    def __init__(self, questions: Iterable[Question]) -> None:
        self._replies: dict[tuple[tuple[str, ...], tuple[str, ...]], OracleReply] = {}
        for question in questions:
            try:
                registry = question.registry
            except NemotronAgentsError:
                continue  # cannot be asked at all; the runner reports it
            users = (_text(m.get("content")) for m in question.messages if m.get("role") == "user")
            self._replies[_key(users, registry.names())] = self._reply(question)

    @staticmethod
    def _reply(question: Question) -> OracleReply:
        registry = question.registry
        if question.expects == "no_call":
            return NO_CALL_TEXT
        if question.expects == "any_call":
            return [{"name": registry.names()[0], "arguments": {}}]
        calls = []
        for call in question.ground_truth or ():
            ((name, accepted),) = call.items()
            function = question.function(name) or {}
            wire = registry.get(name).name if name in registry else name
            calls.append(
                {"name": wire, "arguments": oracle_arguments(accepted, function.get("parameters"))}
            )
        return calls

    def __call__(self, body: dict[str, Any]) -> OracleReply:
        users = (
            _text(m.get("content")) for m in body.get("messages") or [] if m.get("role") == "user"
        )
        names = (t.get("function", {}).get("name", "") for t in body.get("tools") or [])
        return self._replies.get(_key(users, names), UNKNOWN_TEXT)

    def __len__(self) -> int:
        return len(self._replies)
