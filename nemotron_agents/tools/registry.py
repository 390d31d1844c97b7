"""``ToolRegistry``: the tools an agent may offer, by name, as explicit data."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from langchain_core.tools import BaseTool

from nemotron_agents.errors import ConfigError, ToolDefinitionError, UnknownToolError
from nemotron_agents.tools.base import Tool
from nemotron_agents.tools.decorator import tool as make_tool
from nemotron_agents.tools.interop import from_langchain, to_langchain

__all__ = ["ToolRegistry"]


class ToolRegistry:
    """An ordered set of tools with unique wire names, found by wire or original name.

    Example:
        ```python
        registry = ToolRegistry([add, search])
        registry.get("add").validate({"a": 1, "b": 2})
        math_only = registry.select(tags=["math"])
        model = model.bind_tools(math_only.to_langchain())
        ```
    """

    def __init__(self, tools: Iterable[Tool | BaseTool | Callable[..., Any]] = ()) -> None:
        """Register ``tools`` in order (see :meth:`register`)."""
        self._tools: dict[str, Tool] = {}
        self._by_source: dict[str, str] = {}
        for item in tools:
            self.register(item)

    def register(self, item: Tool | BaseTool | Callable[..., Any]) -> Tool:
        """Add a tool.

        Args:
            item: A :class:`Tool`, a LangChain ``BaseTool`` (wrapped with
                :func:`~nemotron_agents.tools.from_langchain`) or a typed, documented function
                (wrapped with :func:`~nemotron_agents.tools.tool`).

        Returns:
            The registered :class:`Tool`.

        Raises:
            ToolDefinitionError: The wire name is taken, including when two different names
                map to the same wire name (``math.factorial`` and ``math_factorial``).
        """
        if isinstance(item, Tool):
            new = item
        elif isinstance(item, BaseTool):
            new = from_langchain(item)
        elif callable(item):
            new = make_tool(item)
        else:
            raise ToolDefinitionError(
                f"Cannot register {type(item).__name__}: pass a Tool, a LangChain BaseTool "
                "or a typed function."
            )
        if (old := self._tools.get(new.name)) is not None:
            if old.source_name != new.source_name:
                raise ToolDefinitionError(
                    f"Tool names collide: '{old.source_name}' and '{new.source_name}' both map to "
                    f"the wire name '{new.name}'. Rename one of them."
                )
            raise ToolDefinitionError(f"A tool named '{new.name}' is already registered.")
        if (wire := self._by_source.get(new.source_name)) is not None:
            raise ToolDefinitionError(
                f"A tool named '{new.source_name}' is already registered (as '{wire}')."
            )
        self._tools[new.name] = new
        self._by_source[new.source_name] = new.name
        return new

    def get(self, name: str) -> Tool:
        """Return the tool with this wire or original name.

        Raises:
            UnknownToolError: No such tool; the message lists the valid names.
        """
        found = self._tools.get(name) or self._tools.get(self._by_source.get(name, ""))
        if found is None:
            raise UnknownToolError(name, self.names())
        return found

    def names(self) -> list[str]:
        """Return the wire names, in registration order."""
        return list(self._tools)

    def source_name(self, wire: str) -> str:
        """Return the original name of the tool with this wire name.

        Raises:
            UnknownToolError: No such tool.
        """
        return self.get(wire).source_name

    def select(
        self, *, names: Iterable[str] | None = None, tags: Iterable[str] | None = None
    ) -> ToolRegistry:
        """Return a new registry with the tools named (wire or original names) and/or tagged.

        Args:
            names: Keep these tools; ``None`` keeps all.
            tags: Keep tools carrying at least one of these tags; ``None`` keeps all.

        Returns:
            A registry of the tools matching both filters, in registration order.

        Raises:
            ConfigError: A name or tag matches no tool; the message lists the valid ones.
        """
        chosen = list(self)
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
            if unknown := [n for n in names if n not in self]:
                raise ConfigError(
                    f"Unknown tool name(s): {', '.join(unknown)}. "
                    f"Valid names: {', '.join(self.names()) or '(none)'}."
                )
            wanted = {self.get(n).name for n in names}
            chosen = [t for t in chosen if t.name in wanted]
        if tags is not None:
            tags = {tags} if isinstance(tags, str) else set(tags)
            known = set().union(*(t.tags for t in self))
            if unknown_tags := sorted(tags - known):
                raise ConfigError(
                    f"Unknown tag(s): {', '.join(unknown_tags)}. "
                    f"Valid tags: {', '.join(sorted(known)) or '(none)'}."
                )
            chosen = [t for t in chosen if t.tags & tags]
        return ToolRegistry(chosen)

    def validate(self, name: str, args: Mapping[str, Any] | str | None) -> dict[str, Any]:
        """Check a call's arguments: :meth:`Tool.validate` of the named tool.

        Raises:
            UnknownToolError: No such tool.
            ToolArgumentsError: The arguments do not fit.
        """
        return self.get(name).validate(args)

    def to_langchain(self) -> list[BaseTool]:
        """Return every tool as a LangChain tool, e.g. for ``bind_tools`` or ``ToolNode``."""
        return [to_langchain(t) for t in self]

    def to_openai(self) -> list[dict[str, Any]]:
        """Return every tool's OpenAI definition, as sent to NIM."""
        return [t.to_openai() for t in self]

    def __iter__(self) -> Iterator[Tool]:
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Tool):
            return self._tools.get(item.name) is item
        return item in self._tools or item in self._by_source

    def __repr__(self) -> str:
        return f"ToolRegistry({self.names()!r})"
