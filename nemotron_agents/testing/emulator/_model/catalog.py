"""The models an emulator serves and how each one behaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_MODELS",
    "MISTRAL_NEMOTRON",
    "MISTRAL_NEMO_12B",
    "VALIDATOR_VERSIONS",
    "ModelConfig",
    "StreamStyle",
    "build_catalog",
]

MISTRAL_NEMOTRON = "mistralai/mistral-nemotron"
MISTRAL_NEMO_12B = "nv-mistralai/mistral-nemo-12b-instruct"
DEFAULT_MODELS = (MISTRAL_NEMOTRON, MISTRAL_NEMO_12B)

#: mistral-common tokenizer versions whose request validator may be chosen.
VALIDATOR_VERSIONS = ("v1", "v2", "v3", "v7", "v11", "v13", "v15")

#: ``"incremental"``: OpenAI-style tool-call deltas (id/name first, then argument fragments);
#: ``"whole"``: every tool call complete in one chunk with ``finish_reason="tool_calls"``.
StreamStyle = Literal["incremental", "whole"]

_OWNERS = {MISTRAL_NEMOTRON: "mistralai", MISTRAL_NEMO_12B: "nv-mistralai"}


@dataclass
class ModelConfig:
    """One served model.

    Attributes:
        id: Model id, as clients send it in ``model``.
        validator: mistral-common tokenizer version whose request validator checks conversations
            (``"v3"``: content XOR tool_calls, as Mistral-NeMo's tekken v3; ``"v11"``: both
            allowed, tool results paired by id), or ``None`` to skip Mistral's rules.
        stream_style: How streamed tool calls are split (see :data:`StreamStyle`).
        owned_by: ``owned_by`` in ``GET /v1/models``.
    """

    id: str
    validator: str | None = "v11"
    stream_style: StreamStyle = "incremental"
    owned_by: str = "system"

    def __post_init__(self) -> None:
        if self.validator is not None and self.validator not in VALIDATOR_VERSIONS:
            raise ValueError(
                f"validator must be one of {VALIDATOR_VERSIONS} or None, got {self.validator!r}"
            )
        if self.stream_style not in ("incremental", "whole"):
            raise ValueError(
                f"stream_style must be 'incremental' or 'whole', got {self.stream_style!r}"
            )


def build_catalog(
    models: tuple[str | ModelConfig, ...] | list[str | ModelConfig],
    *,
    nemotron_validator: str | None,
    stream_style: StreamStyle,
) -> dict[str, ModelConfig]:
    """Model id -> config; plain ids get defaults (NeMo 12B validates at v3, others at
    ``nemotron_validator``)."""
    catalog: dict[str, ModelConfig] = {}
    for item in models:
        if isinstance(item, ModelConfig):
            catalog[item.id] = item
            continue
        validator = "v3" if item == MISTRAL_NEMO_12B else nemotron_validator
        catalog[item] = ModelConfig(
            id=item,
            validator=validator,
            stream_style=stream_style,
            owned_by=_OWNERS.get(item, "system"),
        )
    if not catalog:
        raise ValueError("an emulator needs at least one model")
    return catalog
