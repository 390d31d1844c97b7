"""What a vLLM-served Mistral NIM refuses beyond the request schema.

* **Mistral conversation rules**, by mistral-common's own request validator for the model's
  tokenizer version (``"v3"`` for Mistral-NeMo 12B, configurable for Mistral-Nemotron). The
  messages are prepared as vLLM prepares them before validating (``make_mistral_chat_completion_
  request``): list content of assistant/tool turns flattened to text, a trailing assistant turn
  marked ``prefix`` (a continuation), tool ``parameters`` defaulted to ``{}``, and (by default,
  as vLLM does) ids longer than nine characters cut to their last nine (``truncate_tool_call_ids``).
  vLLM builds its tokenizer in mistral-common's ``test`` mode, so that is the default mode here;
  ``serving`` mode additionally insists every tool call is answered by the end of the history.
* **user right after tool**: mistral-common releases deployed in NIM containers reject it
  (``Unexpected role 'user' after role 'tool'``, seen from hosted NIM); current releases allow
  it, so the emulator adds the check itself unless told not to.
* **Sampling parameters**, with vLLM's ranges and messages (:mod:`.sampling_params`).
* **Context window**: estimated prompt tokens (see :mod:`.tokens`) plus ``max_tokens`` must fit.

Each refusal is a 400 in vLLM's envelope whose ``message`` is the validator's text verbatim.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from pydantic import ValidationError

from nemotron_agents.models.sampling import CONTEXT_WINDOW
from nemotron_agents.testing.emulator._model.catalog import ModelConfig
from nemotron_agents.testing.emulator.envelopes import ApiError, vllm_error
from nemotron_agents.testing.emulator.sampling_params import check_sampling_params
from nemotron_agents.testing.emulator.tokens import prompt_tokens

__all__ = ["ValidationOptions", "prepare_mistral_messages", "validate_chat_request"]

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
        keys = _MESSAGE_KEYS.get(role)
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


def _check_mistral(body: dict[str, Any], config: ModelConfig, options: ValidationOptions) -> None:
    from mistral_common.exceptions import MistralCommonException
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import ValidationMode, get_validator
    from mistral_common.tokens.tokenizers.base import TokenizerVersion

    messages = prepare_mistral_messages(
        body["messages"], truncate_ids=options.truncate_tool_call_ids
    )
    validator = get_validator(TokenizerVersion(config.validator), ValidationMode(options.mode))
    try:
        request = ChatCompletionRequest.model_validate(
            {"messages": messages, "tools": _prepare_tools(body.get("tools")), "model": config.id}
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
        _check_mistral(body, config, options)
    room = _check_context(body, options)
    check_sampling_params(body, room=room)
