"""Grade one answer to a BFCL question the way BFCL's AST checker does.

The rules, per expected call:

* the function name must be the expected one (its source name, e.g. ``math.factorial``);
* every parameter the function's schema requires must be there;
* no parameter outside the schema or the answer ("extra argument");
* each value must match one of the parameter's accepted values: strings compared lower-cased
  with spaces and ``,./-_*^`` removed, an int accepted for a float (not a float for an int),
  lists element by element, dicts key by key (each key with its own accepted values, ``""``
  among them meaning it may be left out), recursively;
* a parameter left out must have ``""`` among its accepted values.

Calls are matched in any order: each expected call to a distinct actual call (a bipartite
matching, where BFCL matches greedily), and the count must be the expected one. An irrelevance
question passes only when no call is made; a relevance question when any call is made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "ERROR_KINDS",
    "Call",
    "Grade",
    "Question",
    "check_call",
    "grade",
    "normalize",
    "value_matches",
]


class Question(Protocol):
    """What grading reads of a question (:class:`~nemotron_agents.eval.bfcl.Question` has it).

    A protocol rather than an import of ``bfcl``, which imports this module.
    """

    @property
    def ground_truth(self) -> tuple[Mapping[str, Any], ...] | None: ...

    @property
    def expects(self) -> str: ...

    def function(self, name: str) -> Mapping[str, Any] | None: ...


#: Why an answer failed; each failed answer has exactly one.
ERROR_KINDS = (
    "wrong_function",
    "missing_argument",
    "extra_argument",
    "wrong_value",
    "wrong_count",
    "malformed_call",
    "no_call",
    "call_on_irrelevance",
    "request_error",
)

_IGNORED = re.compile(r"[ ,./\-_*^]")


@dataclass(frozen=True)
class Call:
    """One tool call as the model made it, by the tool's source name.

    Attributes:
        name: The function's source name (wire names mapped back, ``math_factorial`` →
            ``math.factorial``); a name the question did not offer stays as the model sent it.
        args: The arguments, parsed from JSON.
    """

    name: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer.

    Attributes:
        passed: Whether the answer is right.
        error: One of :data:`ERROR_KINDS` when it is not.
        detail: What was wrong, in words (empty when it passed).
    """

    passed: bool
    error: str | None = None
    detail: str = ""


PASS = Grade(True)


def _fail(kind: str, detail: str) -> Grade:
    return Grade(False, kind, detail)


def normalize(text: str) -> str:
    """BFCL's string comparison form: lower case, without spaces and ``,./-_*^``."""
    return _IGNORED.sub("", text).lower()


def _kind(schema: Any) -> Any:
    return schema.get("type") if isinstance(schema, Mapping) else None


def value_matches(value: Any, accepted: Any, schema: Any = None) -> bool:
    """Whether ``value`` matches one accepted value (not a list of alternatives).

    Args:
        value: What the model sent.
        accepted: One accepted value: a dict is in answer form (``{key: [accepted values]}``),
            a list is matched element by element, a string after :func:`normalize`.
        schema: The parameter's BFCL schema, for ``items``, ``properties`` and the int/float rule.
    """
    if isinstance(accepted, dict):
        return isinstance(value, dict) and _dict_matches(value, accepted, schema)
    if isinstance(accepted, list):
        if not isinstance(value, list) or len(value) != len(accepted):
            return False
        items = schema.get("items") if isinstance(schema, Mapping) else None
        return all(value_matches(v, a, items) for v, a in zip(value, accepted, strict=True))
    if isinstance(accepted, str):
        return isinstance(value, str) and normalize(value) == normalize(accepted)
    if isinstance(accepted, bool) or accepted is None:
        return value is accepted
    if isinstance(accepted, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if isinstance(value, float) and isinstance(accepted, int) and _kind(schema) == "integer":
            return False  # an int is accepted for a float, not the other way round
        return value == accepted
    return bool(value == accepted)


def _any_matches(value: Any, alternatives: Sequence[Any], schema: Any) -> bool:
    return any(value_matches(value, alt, schema) for alt in alternatives)


def _dict_matches(value: Mapping[str, Any], accepted: Mapping[str, Any], schema: Any) -> bool:
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    props = props if isinstance(props, Mapping) else {}
    for key, item in value.items():
        if key not in accepted or not _any_matches(item, accepted[key], props.get(key)):
            return False
    return all(key in value or "" in alts for key, alts in accepted.items())


def check_call(
    call: Call, name: str, accepted: Mapping[str, Sequence[Any]], function: Mapping[str, Any] | None
) -> Grade:
    """Grade one call against one expected call.

    Args:
        call: The call made.
        name: The expected function's source name.
        accepted: Parameter name → accepted values (``""`` among them: may be left out).
        function: The expected function's BFCL definition (``None`` if the question lacks it).
    """
    if call.name != name:
        return _fail("wrong_function", f"called {call.name}, expected {name}")
    schema = (function or {}).get("parameters") or {}
    props = schema.get("properties") or {}
    for param in schema.get("required") or []:
        if param not in call.args:
            fault = (
                " (the answer allows leaving it out: a data fault)"
                if "" in accepted.get(param, ())
                else ""
            )
            return _fail(
                "missing_argument", f"{name}: required argument '{param}' is missing{fault}"
            )
    for param, value in call.args.items():
        if param not in props or param not in accepted:
            fault = (
                " (the answer has it, the schema does not: a data fault)"
                if param in accepted
                else ""
            )
            return _fail(
                "extra_argument", f"{name}: unexpected argument '{param}'={value!r}{fault}"
            )
        if not _any_matches(value, accepted[param], props[param]):
            return _fail(
                "wrong_value",
                f"{name}: '{param}' is {value!r}, expected one of {accepted[param]!r}",
            )
    for param, alternatives in accepted.items():
        if param not in call.args and "" not in alternatives:
            return _fail("missing_argument", f"{name}: argument '{param}' is missing")
    return PASS


def _max_matching(ok: list[list[bool]]) -> dict[int, int]:
    """Expected index → call index of a maximum matching (Kuhn's augmenting paths)."""
    owner: dict[int, int] = {}  # call index -> expected index

    def augment(i: int, seen: set[int]) -> bool:
        for j, fits in enumerate(ok[i]):
            if fits and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(ok)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _match_calls(question: Question, calls: Sequence[Call]) -> Grade:
    expected = [next(iter(call.items())) for call in question.ground_truth or ()]
    results = [
        [check_call(call, name, accepted, question.function(name)) for call in calls]
        for name, accepted in expected
    ]
    matching = _max_matching([[r.passed for r in row] for row in results])
    if len(matching) == len(expected):
        return PASS
    used = set(matching.values())
    missed = next(i for i in range(len(expected)) if i not in matching)
    free = [j for j in range(len(calls)) if j not in used]
    # The closest free call explains the miss best: one to the right function, if any.
    best = min(free, key=lambda j: results[missed][j].error == "wrong_function")
    return results[missed][best]


def grade(question: Question, calls: Sequence[Call], *, malformed: Sequence[str] = ()) -> Grade:
    """Grade the calls made for ``question``.

    Args:
        question: The question, with its expectation and ground truth.
        calls: The well-formed calls, by source name.
        malformed: Names of the calls whose arguments could not be read as a JSON object.
    """
    if question.expects == "no_call":
        if calls or malformed:
            names = [c.name for c in calls] + list(malformed)
            return _fail("call_on_irrelevance", f"called {', '.join(names)}; no function fits")
        return PASS
    if malformed:
        return _fail(
            "malformed_call", f"unreadable arguments in the call(s) to {', '.join(malformed)}"
        )
    if not calls:
        return _fail("no_call", "no function was called")
    if question.expects == "any_call":
        return PASS
    want = len(question.ground_truth or ())
    if len(calls) != want:
        called = ", ".join(c.name for c in calls)
        return _fail("wrong_count", f"{len(calls)} call(s) ({called}), expected {want}")
    return _match_calls(question, calls)
