"""Request-schema checks of ``POST /v1/chat/completions``, as vLLM's pydantic model makes them.

Only shapes are checked here (types, required fields, ``tool_choice`` consistency); value ranges,
the context window and Mistral's conversation rules are in :mod:`.validation`. Unknown fields
(``nvext``, ``guided_json``, ``chat_template_kwargs``...) are accepted, as vLLM accepts them.
Every problem found is reported at once in vLLM's ``"N validation errors:"`` 400.

Before any of that, :func:`parse_body` refuses bodies that are not JSON, JSON nested deeper
than :data:`MAX_JSON_DEPTH`, and strings holding lone surrogates (``"\\udcff"`` escapes, which
no UTF-8 tokenizer can encode): the client's error, a 400, never a 500 it would retry.
"""

from __future__ import annotations

import json
import re
from typing import Any

from nemotron_agents.testing.emulator.envelopes import (
    ApiError,
    ErrorReply,
    schema_error,
    vllm_error,
)

__all__ = ["MAX_JSON_DEPTH", "check_chat_request", "loads_or_none", "parse_body"]

#: Deepest nesting of arrays and objects accepted in a request body. Deeper bodies are refused
#: with a 400 before anything recurses into them.
MAX_JSON_DEPTH = 128

_NUMBER_FIELDS = (
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "repetition_penalty",
    "min_p",
)
_INT_FIELDS = ("max_tokens", "max_completion_tokens", "n", "top_k", "min_tokens")
_BOOL_FIELDS = ("stream", "parallel_tool_calls", "logprobs", "include_stop_str_in_output")
_RESPONSE_FORMATS = ("text", "json_object", "json_schema", "structural_tag")
_USAGE = 'Correct usage: `{"type": "function", "function": {"name": "my_function"}}`'
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")

Problem = tuple[str, str, str, Any]


def _decode_problem(value: Any) -> ApiError | None:
    """A 400 for a body nested deeper than :data:`MAX_JSON_DEPTH` or holding a lone surrogate
    (``"\\ud800"`` escapes decode to text no UTF-8 tokenizer can encode), else ``None``."""
    stack: list[tuple[Any, str, int]] = [(value, "body", 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            if (bad := _SURROGATE.search(item)) is not None:
                message = (
                    f"Invalid text in {where}: lone surrogate U+{ord(bad.group()):04X} at position "
                    f"{bad.start()}; strings must be valid Unicode (encodable as UTF-8)"
                )
                return ApiError(vllm_error(message, param=where))
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= MAX_JSON_DEPTH:
            return ApiError(_too_deep())
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            if isinstance(key, str) and _SURROGATE.search(key):
                stack.append((key, f"{where} (a key)", depth))
            stack.append((child, f"{where}.{key}", depth + 1))
    return None


def _too_deep() -> ErrorReply:
    detail = f"JSON nested more than {MAX_JSON_DEPTH} levels deep"
    return schema_error([("json_invalid", "body", "JSON decode error", detail)])


def parse_body(raw: bytes) -> Any:
    """Decode a JSON request body, answering vLLM's 400 when it is not JSON, is nested deeper
    than :data:`MAX_JSON_DEPTH` or holds text that is not valid Unicode."""
    try:
        body = json.loads(raw.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(
            schema_error([("json_invalid", "body", "JSON decode error", str(exc))])
        ) from None
    except RecursionError:
        raise ApiError(_too_deep()) from None
    if (problem := _decode_problem(body)) is not None:
        raise problem
    return body


def loads_or_none(raw: bytes) -> Any:
    """The JSON value of ``raw``, or ``None`` when it is not JSON (never raises)."""
    try:
        return json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_scalars(body: dict[str, Any], problems: list[Problem]) -> None:
    for name in _NUMBER_FIELDS:
        value = body.get(name)
        if value is not None and not _is_number(value):
            problems.append(("float_type", f"body.{name}", "Input should be a valid number", value))
    for name in _INT_FIELDS:
        value = body.get(name)
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool)):
            problems.append(("int_type", f"body.{name}", "Input should be a valid integer", value))
    for name in _BOOL_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            problems.append(("bool_type", f"body.{name}", "Input should be a valid boolean", value))
    _check_seed(body.get("seed"), problems)
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        problems.append(("string_type", "body.model", "Input should be a valid string", model))
    stop = body.get("stop")
    stop_ok = (
        stop is None
        or isinstance(stop, str)
        or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
    )
    if not stop_ok:
        problems.append(("list_type", "body.stop", "Input should be a valid list", stop))


def _check_seed(seed: Any, problems: list[Problem]) -> None:
    # vLLM: ``seed: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX)``; -1 is a valid seed.
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.append(("int_type", "body.seed", "Input should be a valid integer", seed))
    elif seed < _INT64_MIN:
        msg = f"Input should be greater than or equal to {_INT64_MIN}"
        problems.append(("greater_than_equal", "body.seed", msg, seed))
    elif seed > _INT64_MAX:
        msg = f"Input should be less than or equal to {_INT64_MAX}"
        problems.append(("less_than_equal", "body.seed", msg, seed))


def _check_messages(body: dict[str, Any], problems: list[Problem]) -> None:
    if "messages" not in body:
        problems.append(("missing", "body.messages", "Field required", body))
        return
    messages = body["messages"]
    if not isinstance(messages, list):
        problems.append(("list_type", "body.messages", "Input should be a valid list", messages))
        return
    for i, message in enumerate(messages):
        loc = f"body.messages.{i}"
        if not isinstance(message, dict):
            problems.append(("dict_type", loc, "Input should be a valid dictionary", message))
            continue
        if not isinstance(message.get("role"), str):
            kind = "missing" if "role" not in message else "string_type"
            msg = "Field required" if kind == "missing" else "Input should be a valid string"
            problems.append((kind, f"{loc}.role", msg, message.get("role", message)))
        content = message.get("content")
        if content is not None and not isinstance(content, (str, list)):
            problems.append(
                ("string_type", f"{loc}.content", "Input should be a valid string", content)
            )
        calls = message.get("tool_calls")
        if calls is not None and not isinstance(calls, list):
            problems.append(
                ("list_type", f"{loc}.tool_calls", "Input should be a valid list", calls)
            )


def _check_tools(body: dict[str, Any], problems: list[Problem]) -> None:
    tools = body.get("tools")
    if tools is None:
        return
    if not isinstance(tools, list):
        problems.append(("list_type", "body.tools", "Input should be a valid list", tools))
        return
    for i, tool in enumerate(tools):
        loc = f"body.tools.{i}"
        if not isinstance(tool, dict) or not isinstance(tool.get("function"), dict):
            problems.append(("missing", f"{loc}.function", "Field required", tool))
        elif not isinstance(tool["function"].get("name"), str):
            problems.append(("missing", f"{loc}.function.name", "Field required", tool["function"]))


def _tool_choice_problem(body: dict[str, Any]) -> str | None:
    # Mirrors vLLM's ChatCompletionRequest.check_tool_usage model validator.
    choice = body.get("tool_choice")
    if choice is None or choice == "none":
        return None
    tools = body.get("tools")
    if tools is None:
        return "When using `tool_choice`, `tools` must be set."
    if choice not in ("auto", "required") and not isinstance(choice, dict):
        return (
            f"Invalid value for `tool_choice`: {choice}! "
            'Only named tools, "none", "auto" or "required" are supported.'
        )
    if isinstance(choice, dict):
        function = choice.get("function")
        if not isinstance(function, dict):
            return f"Invalid value for `function`: `{function}` in `tool_choice`! {_USAGE}"
        if "name" not in function:
            return f"Expected field `name` in `function` in `tool_choice`! {_USAGE}"
        names = {
            t["function"]["name"]
            for t in tools
            if isinstance(t, dict) and isinstance(t.get("function"), dict)
        }
        if function["name"] not in names:
            return "The tool specified in `tool_choice` does not match any of the specified `tools`"
    return None


def _logprobs_problem(body: dict[str, Any]) -> str | None:
    # Mirrors vLLM's ChatCompletionRequest.check_logprobs model validator.
    top = body.get("top_logprobs")
    if top is None:
        return None
    if isinstance(top, bool) or not isinstance(top, (int, float)):
        return f"`top_logprobs` must be an integer. (parameter=top_logprobs, value={top})"
    if top < 0 and top != -1:
        return (
            f"`top_logprobs` must be a positive value or -1. (parameter=top_logprobs, value={top})"
        )
    if (top == -1 or top > 0) and not body.get("logprobs"):
        return "when using `top_logprobs`, `logprobs` must be set to true. (parameter=top_logprobs)"
    return None


def _check_options(body: dict[str, Any], problems: list[Problem]) -> None:
    options = body.get("stream_options")
    if options is not None:
        if not isinstance(options, dict):
            problems.append(
                ("dict_type", "body.stream_options", "Input should be a valid dictionary", options)
            )
        elif not body.get("stream"):
            problems.append(
                (
                    "value_error",
                    "body",
                    "Value error, Stream options can only be defined when `stream=True`.",
                    body,
                )
            )
    fmt = body.get("response_format")
    if fmt is not None:
        if not isinstance(fmt, dict) or fmt.get("type") not in _RESPONSE_FORMATS:
            value = fmt.get("type") if isinstance(fmt, dict) else fmt
            allowed = "'text', 'json_object', 'json_schema' or 'structural_tag'"
            problems.append(
                ("literal_error", "body.response_format.type", f"Input should be {allowed}", value)
            )
        elif fmt["type"] == "json_schema" and not isinstance(fmt.get("json_schema"), dict):
            problems.append(("missing", "body.response_format.json_schema", "Field required", fmt))
    for check in (_logprobs_problem, _tool_choice_problem):
        if not problems and (message := check(body)):
            problems.append(("value_error", "body", f"Value error, {message}", body))


def check_chat_request(body: Any) -> dict[str, Any]:
    """Check the shape of a chat-completions body and return it.

    Raises:
        ApiError: 400 ``"Bad Request"`` listing every schema problem.
    """
    if not isinstance(body, dict):
        msg = "Input should be a valid dictionary or object to extract fields from"
        raise ApiError(schema_error([("model_attributes_type", "body", msg, body)]))
    problems: list[Problem] = []
    _check_messages(body, problems)
    _check_scalars(body, problems)
    _check_tools(body, problems)
    _check_options(body, problems)
    if problems:
        raise ApiError(schema_error(problems))
    return body
