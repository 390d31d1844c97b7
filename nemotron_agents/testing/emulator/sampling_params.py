"""vLLM's checks of the sampling parameters, with its ranges and its exact messages.

vLLM turns a chat request into ``SamplingParams`` and checks them in this order
(``SamplingParams._verify_args``, then the greedy-sampling check, then the engine's
``--max-logprobs`` limit): ``n``, ``presence_penalty``, ``frequency_penalty``,
``repetition_penalty``, ``temperature``, ``top_p``, ``top_k``, ``min_p``, ``max_tokens``,
``min_tokens``, ``stop``. Unset values take vLLM's defaults (temperature 1, top_p 1...).

Ranges, as vLLM has them: temperature in [0, 2] and finite, top_p in (0, 1], penalties in
[-2, 2], repetition_penalty > 0, top_k 0 / -1 (off) or >= 1, min_p in [0, 1], max_tokens >= 1,
n in [1, 16384] (and 1 when temperature is 0). ``seed`` may be any int64, -1 included; its
range is a schema check (:mod:`.protocol`).

A failed check is a 400 ``BadRequestError``. Checks vLLM raises with a parameter name append
``" (parameter=<name>, value=<value>)"`` to the message and set ``param``, as vLLM's
``VLLMValidationError`` does; the others have ``param: null``.
"""

from __future__ import annotations

import math
from typing import Any

from nemotron_agents.testing.emulator.envelopes import ApiError, vllm_error
from nemotron_agents.testing.emulator.logprobs import MAX_LOGPROBS, VOCAB_SIZE

__all__ = ["MAX_N", "check_sampling_params"]

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
