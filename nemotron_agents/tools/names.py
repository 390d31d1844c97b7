"""Names: tool names NIM accepts, and Python field names for any JSON key.

Mistral's validator (run by NIM and vLLM) rejects function names outside
``^[a-zA-Z0-9_-]{1,64}$``, so ``math.factorial`` cannot go on the wire as is. :func:`wire_name`
maps any name to one that can; the registry keeps the original so a call can be mapped back.

Pydantic cannot use every JSON key as a field name (``_from``, ``Content-Type``, ``schema``,
``model_config``…). :func:`field_name` picks a safe one; the key itself becomes the alias, so the
wire keeps the original spelling.
"""

from __future__ import annotations

import hashlib
import keyword
import re
from collections.abc import Collection

from pydantic import BaseModel

from nemotron_agents.errors import ToolDefinitionError

__all__ = ["NAME_PATTERN", "NAME_RULE", "check_name", "field_name", "needs_alias", "wire_name"]

#: Tool names NIM / Mistral accept.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
#: The rule in words, for error messages.
NAME_RULE = "1 to 64 characters, each a letter, digit, '_' or '-' (^[a-zA-Z0-9_-]{1,64}$)"

_MAX_LEN = 64
_HASH_LEN = 8
_INVALID_CHARS = re.compile(r"[^a-zA-Z0-9_-]")


def wire_name(source_name: str) -> str:
    """Return a name NIM accepts for ``source_name``.

    Characters outside ``[a-zA-Z0-9_-]`` become ``_``; a name longer than 64 characters is cut
    and ends with ``_`` plus 8 hex digits of its hash, so long names that share a prefix stay
    distinct. A valid name is returned unchanged.

    Args:
        source_name: The tool's original name, e.g. ``"math.factorial"``.

    Returns:
        The wire name, e.g. ``"math_factorial"``.

    Raises:
        ToolDefinitionError: If ``source_name`` is empty.
    """
    if not source_name:
        raise ToolDefinitionError(f"A tool name must not be empty: use {NAME_RULE}.")
    name = _INVALID_CHARS.sub("_", source_name)
    if len(name) > _MAX_LEN:
        digest = hashlib.sha1(source_name.encode("utf-8"), usedforsecurity=False).hexdigest()[
            :_HASH_LEN
        ]
        name = f"{name[: _MAX_LEN - _HASH_LEN - 1]}_{digest}"
    return name


def check_name(name: object) -> str:
    """Return ``name`` if NIM accepts it as a tool name.

    Args:
        name: A tool name chosen by the developer.

    Returns:
        ``name``, unchanged.

    Raises:
        ToolDefinitionError: The name breaks the rule; the message states it.
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ToolDefinitionError(
            f"Invalid tool name {name!r}: a tool name must be {NAME_RULE}. "
            f"For example {wire_name(str(name) or 'tool')!r}."
        )
    return name


def needs_alias(key: str) -> bool:
    """Tell whether pydantic cannot use ``key`` itself as a field name."""
    return (
        not key.isidentifier()
        or keyword.iskeyword(key)
        or key.startswith(("_", "model_"))
        or hasattr(BaseModel, key)  # would shadow schema, json, dict, copy, validate…
    )


def field_name(key: str, taken: Collection[str] = ()) -> str:
    """Return a Python field name for the JSON key ``key``, distinct from ``taken``.

    Args:
        key: The key on the wire.
        taken: Field names already used in the same model.

    Returns:
        ``key`` itself when pydantic can use it, else ``f_<key with _ for odd characters>``.
    """
    if not needs_alias(key) and key not in taken:
        return key
    base = "f_" + re.sub(r"\W", "_", key)
    candidate, n = base, 1
    while candidate in taken or needs_alias(candidate):
        n += 1
        candidate = f"{base}_{n}"
    return candidate
