"""Where a request is parsed and validated: what a vLLM-served Mistral NIM refuses in a chat
request, in the order it checks, each refusal a 400 in vLLM's error body. (The key is checked
before any of this, by :class:`~._model.engine.Gateway`.)

1. **The body** (:func:`parse_body`): bodies that are not JSON, JSON nested deeper than
   :data:`MAX_JSON_DEPTH`, and strings holding lone surrogates (``"\\udcff"`` escapes, which no
   UTF-8 tokenizer can encode) are refused: the client's error, a 400, never a 500 it would
   retry.
2. **The request schema** (:func:`check_chat_request`), as vLLM's pydantic model checks it:
   shapes only (types, required fields, ``tool_choice`` consistency). Unknown fields
   (``nvext``, ``guided_json``, ``chat_template_kwargs``...) are accepted, as vLLM accepts them.
   Every problem found is reported at once in vLLM's ``"N validation errors:"`` 400.
3. **Mistral conversation rules** (:func:`validate_chat_request`), by mistral-common's own
   request validator for the model's tokenizer version (``"v3"`` for Mistral-NeMo 12B,
   configurable for Mistral-Nemotron). The messages are prepared as vLLM prepares them before
   validating (``make_mistral_chat_completion_request``): list content of assistant/tool turns
   flattened to text, a trailing assistant turn marked ``prefix`` (a continuation), tool
   ``parameters`` defaulted to ``{}``, and (by default, as vLLM does) ids longer than nine
   characters cut to their last nine (``truncate_tool_call_ids``). vLLM builds its tokenizer in
   mistral-common's ``test`` mode, so that is the default mode here; ``serving`` mode
   additionally insists every tool call is answered by the end of the history.
4. **user right after tool**: mistral-common releases deployed in NIM containers reject it
   (``Unexpected role 'user' after role 'tool'``, seen from hosted NIM); current releases allow
   it, so the emulator adds the check itself unless told not to.
5. **Context window**: estimated prompt tokens (see :mod:`._encoding`) plus ``max_tokens`` must
   fit.
6. **Sampling parameters** (:func:`check_sampling_params`), with vLLM's ranges and messages.
   vLLM turns a chat request into ``SamplingParams`` and checks them in this order
   (``SamplingParams._verify_args``, then the greedy-sampling check, then the engine's
   ``--max-logprobs`` limit): ``n``, ``presence_penalty``, ``frequency_penalty``,
   ``repetition_penalty``, ``temperature``, ``top_p``, ``top_k``, ``min_p``, ``max_tokens``,
   ``min_tokens``, ``stop``. Unset values take vLLM's defaults (temperature 1, top_p 1...).
   Ranges, as vLLM has them: temperature in [0, 2] and finite, top_p in (0, 1], penalties in
   [-2, 2], repetition_penalty > 0, top_k 0 / -1 (off) or >= 1, min_p in [0, 1], max_tokens >=
   1, n in [1, 16384] (and 1 when temperature is 0). ``seed`` may be any int64, -1 included;
   its range is a schema check.

From step 3 on, each refusal is a 400 ``BadRequestError`` in vLLM's envelope whose ``message``
is the validator's text verbatim. Sampling checks vLLM raises with a parameter name append
``" (parameter=<name>, value=<value>)"`` to the message and set ``param``, as vLLM's
``VLLMValidationError`` does; the others have ``param: null``.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from typing import Any

from pydantic import ValidationError

from nemotron_agents._sampling import CONTEXT_WINDOW
from nemotron_agents.testing.emulator._encoding import (
    MAX_LOGPROBS,
    VOCAB_SIZE,
    ApiError,
    ErrorReply,
    prompt_tokens,
    schema_error,
    vllm_error,
)
from nemotron_agents.testing.emulator._model.catalog import ModelConfig

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_N",
    "ValidationOptions",
    "check_chat_request",
    "check_sampling_params",
    "loads_or_none",
    "parse_body",
    "prepare_mistral_messages",
    "validate_chat_request",
]


# --- the body and its schema --------------------------------------------------------------

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


# --- Mistral's conversation rules and the context window ----------------------------------

_MESSAGE_KEYS = {
    "system": ("role", "content"),
    "user": ("role", "content"),
    "assistant": ("role", "content", "tool_calls", "prefix"),
    "tool": ("role", "content", "tool_call_id", "name"),
}


class ValidationOptions:
    """How strictly requests are checked.

    Args:
        mode: mistral-common validation mode, ``"test"`` (what vLLM uses) or ``"serving"``.
        truncate_tool_call_ids: Cut ids longer than nine characters to their last nine first.
        reject_user_after_tool: Refuse a ``user`` message right after a ``tool`` message.
        context_window: Tokens the prompt plus ``max_tokens`` may use.
    """

    def __init__(
        self,
        *,
        mode: str = "test",
        truncate_tool_call_ids: bool = True,
        reject_user_after_tool: bool = True,
        context_window: int = CONTEXT_WINDOW,
    ) -> None:
        if mode not in ("test", "serving"):
            raise ValueError(f"mode must be 'test' or 'serving', got {mode!r}")
        self.mode = mode
        self.truncate_tool_call_ids = truncate_tool_call_ids
        self.reject_user_after_tool = reject_user_after_tool
        self.context_window = context_window


def _text(content: Any) -> Any:
    if isinstance(content, list):
        return "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return content


def _last9(value: Any) -> Any:
    return value[-9:] if isinstance(value, str) and len(value) > 9 else value


def prepare_mistral_messages(
    messages: list[dict[str, Any]], *, truncate_ids: bool
) -> list[dict[str, Any]]:
    """OpenAI messages -> dicts mistral-common parses, the way vLLM converts them.

    Keys mistral-common does not know are dropped (vLLM's request parsing drops them too), so a
    tool call echoed back with its stream ``index`` is not an error.
    """
    prepared = []
    for message in copy.deepcopy(messages):
        role = message.get("role")
        keys = _MESSAGE_KEYS.get(role) if isinstance(role, str) else None
        if keys is not None:
            message = {k: message[k] for k in keys if k in message}
        if role in ("assistant", "tool"):
            message["content"] = _text(message.get("content"))
        if role == "tool":
            message.setdefault("tool_call_id", None)
            if truncate_ids:
                message["tool_call_id"] = _last9(message["tool_call_id"])
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict):
                for extra in [k for k in call if k not in ("id", "type", "function")]:
                    del call[extra]
                if truncate_ids:
                    call["id"] = _last9(call.get("id"))
        prepared.append(message)
    if prepared and prepared[-1].get("role") == "assistant":
        prepared[-1]["prefix"] = True  # vLLM treats a trailing assistant turn as a continuation
    return prepared


def _prepare_tools(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    prepared = []
    for tool in tools:
        fn = tool.get("function", {})
        prepared.append(
            {
                "type": "function",
                "function": {
                    "name": fn.get("name"),
                    "description": fn.get("description") or "",
                    "parameters": fn.get("parameters") or {},
                },
            }
        )
    return prepared


def _check_mistral(
    body: dict[str, Any], options: ValidationOptions, *, model: str, version: str
) -> None:
    from mistral_common.exceptions import MistralCommonException
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import ValidationMode, get_validator
    from mistral_common.tokens.tokenizers.base import TokenizerVersion

    messages = prepare_mistral_messages(
        body["messages"], truncate_ids=options.truncate_tool_call_ids
    )
    validator = get_validator(TokenizerVersion(version), ValidationMode(options.mode))
    try:
        request: ChatCompletionRequest[Any] = ChatCompletionRequest.model_validate(
            {"messages": messages, "tools": _prepare_tools(body.get("tools")), "model": model}
        )
        validator.validate_request(request)
    except (MistralCommonException, ValidationError, ValueError, TypeError) as exc:
        raise ApiError(vllm_error(str(exc))) from None
    if options.reject_user_after_tool:
        roles = [m.get("role") for m in messages]
        for prev, cur in itertools.pairwise(roles):
            if prev == "tool" and cur == "user":
                raise ApiError(vllm_error("Unexpected role 'user' after role 'tool'"))


def _check_context(body: dict[str, Any], options: ValidationOptions) -> int:
    """Refuse prompts (plus ``max_tokens``) over the window; return the tokens left."""
    window = options.context_window
    used = prompt_tokens(body["messages"], body.get("tools"))
    if used >= window:
        message = (
            f"This model's maximum context length is {window} tokens. However, your request has "
            f"{used} input tokens. Please reduce the length of the input messages."
        )
        raise ApiError(vllm_error(message, param="input_tokens"))
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens is not None and used + max_tokens > window:
        message = (
            f"'max_tokens' or 'max_completion_tokens' is too large: {max_tokens}. This model's "
            f"maximum context length is {window} tokens and your request has {used} input tokens "
            f"({max_tokens} > {window} - {used})."
        )
        raise ApiError(vllm_error(message, param="max_tokens"))
    return window - used


def validate_chat_request(
    body: dict[str, Any], config: ModelConfig, options: ValidationOptions
) -> None:
    """Refuse what the real endpoint refuses (schema already checked).

    Raises:
        ApiError: 400 with the first problem found, in vLLM's order: conversation rules, then
            context length, then sampling parameters.
    """
    if config.validator is not None:
        _check_mistral(body, options, model=config.id, version=config.validator)
    room = _check_context(body, options)
    check_sampling_params(body, room=room)


# --- sampling parameters ------------------------------------------------------------------

#: vLLM's default ``VLLM_MAX_N_SEQUENCES``: the most choices one request may ask for.
MAX_N = 16_384
# Below this temperature vLLM samples greedily.
_GREEDY = 1e-5


def _refuse(message: str, parameter: str | None = None, value: Any = None) -> ApiError:
    extras = [f"parameter={parameter}"] if parameter is not None else []
    if value is not None:
        extras.append(f"value={value}")
    if extras:
        message = f"{message} ({', '.join(extras)})"
    return ApiError(vllm_error(message, param=parameter))


def _float(body: dict[str, Any], name: str, default: float) -> float:
    value = body.get(name)
    return default if value is None else float(value)  # vLLM's pydantic fields hold floats


def _check_ranges(body: dict[str, Any], n: int, max_tokens: int) -> None:
    if n < 1:
        raise _refuse(f"n must be at least 1, got {n}.")
    if n > MAX_N:
        raise _refuse(
            f"n must be at most {MAX_N}, got {n}. To increase this limit, set the "
            "VLLM_MAX_N_SEQUENCES environment variable."
        )
    for name in ("presence_penalty", "frequency_penalty"):
        if not -2.0 <= (value := _float(body, name, 0.0)) <= 2.0:
            raise _refuse(f"{name} must be in [-2, 2], got {value}.")
    repetition = _float(body, "repetition_penalty", 1.0)
    if not math.isfinite(repetition):
        raise _refuse(f"repetition_penalty must be a finite number, got {repetition}.")
    if repetition <= 0.0:
        raise _refuse(f"repetition_penalty must be greater than zero, got {repetition}.")
    temperature = _float(body, "temperature", 1.0)
    if not math.isfinite(temperature):
        raise _refuse(
            f"temperature must be a finite number, got {temperature}.", "temperature", temperature
        )
    if temperature < 0.0:
        raise _refuse(
            f"temperature must be non-negative, got {temperature}.", "temperature", temperature
        )
    if temperature > 2.0:
        raise _refuse(
            f"temperature must be in [0, 2], got {temperature}.", "temperature", temperature
        )
    if not 0.0 < (top_p := _float(body, "top_p", 1.0)) <= 1.0:
        raise _refuse(f"top_p must be in (0, 1], got {top_p}.", "top_p", top_p)
    top_k = body.get("top_k")
    if top_k is not None and top_k < -1:
        raise _refuse(f"top_k must be 0 (disable), or at least 1, got {top_k}.")
    if not 0.0 <= (min_p := _float(body, "min_p", 0.0)) <= 1.0:
        raise _refuse(f"min_p must be in [0, 1], got {min_p}.")
    if max_tokens < 1:
        raise _refuse(f"max_tokens must be at least 1, got {max_tokens}.", "max_tokens", max_tokens)
    min_tokens = body.get("min_tokens") or 0
    if min_tokens < 0:
        raise _refuse(f"min_tokens must be greater than or equal to 0, got {min_tokens}.")
    if min_tokens > max_tokens:
        raise _refuse(
            f"min_tokens must be less than or equal to max_tokens={max_tokens}, got {min_tokens}."
        )
    stop = body.get("stop")
    if any(s == "" for s in ([stop] if isinstance(stop, str) else stop or [])):
        raise _refuse("stop cannot contain an empty string.")
    if temperature < _GREEDY and n > 1:
        raise _refuse(f"n must be 1 when using greedy sampling, got {n}.")


def check_sampling_params(body: dict[str, Any], *, room: int) -> None:
    """Refuse sampling parameters vLLM refuses (body schema already checked).

    Args:
        body: The request body.
        room: Tokens left in the context window after the prompt: vLLM's ``max_tokens`` when
            the request sets none.

    Raises:
        ApiError: 400 naming the first parameter out of range, in vLLM's words.
    """
    n = body.get("n")
    requested = body.get("max_completion_tokens") or body.get("max_tokens")  # 0 counts as unset
    _check_ranges(body, 1 if n is None else n, room if requested is None else min(requested, room))
    top = body.get("top_logprobs") or 0
    if body.get("logprobs") and top:
        wanted = VOCAB_SIZE if top == -1 else top
        if wanted > MAX_LOGPROBS:
            raise _refuse(
                f"Requested sample logprobs of {wanted}, which is greater than max allowed: "
                f"{MAX_LOGPROBS}",
                "logprobs",
                wanted,
            )
