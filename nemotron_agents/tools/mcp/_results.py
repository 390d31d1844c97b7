"""An MCP tool result as text for the model.

Mistral models read text only: text blocks are joined, text resources give their text, and
images, audio, binary resources and links are described in one line each (what they are, never
their bytes). A result with no content but ``structuredContent`` gives that as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from mcp import types

__all__ = ["NO_OUTPUT", "result_text"]

NO_OUTPUT = "(the tool returned no output)"


def result_text(result: types.CallToolResult) -> str:
    """Render ``result``'s content blocks (or its structured content) as one text."""
    parts = [_block_text(block) for block in result.content or []]
    if not parts and result.structured_content is not None:
        return json.dumps(result.structured_content, ensure_ascii=False)
    return "\n".join(parts) if parts else NO_OUTPUT


def _block_text(block: Any) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, (types.ImageContent, types.AudioContent)):
        kind = "image" if isinstance(block, types.ImageContent) else "audio"
        return f"[{kind} ({block.mime_type}, {len(block.data) * 3 // 4} bytes) not shown]"
    if isinstance(block, types.EmbeddedResource):
        resource = block.resource
        if isinstance(resource, types.TextResourceContents):
            return resource.text
        return (
            f"[binary resource {resource.uri} ({resource.mime_type or 'unknown type'}) not shown]"
        )
    if isinstance(block, types.ResourceLink):
        about = f": {block.description}" if block.description else ""
        return f"[resource link {block.name} <{block.uri}>{about}]"
    return f"[{getattr(block, 'type', type(block).__name__)} content not shown]"
