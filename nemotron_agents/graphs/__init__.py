"""Ready example graphs. Nothing in the library imports this package.

``GRAPHS`` maps each graph's name (as the CLI and ``langgraph.json`` use it) to its module; every
module has ``build_graph(*, model, fallback_model, settings, checkpointer, ...)``, ``graph`` and
``DESCRIPTION``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from nemotron_agents.errors import ConfigError

__all__ = ["GRAPHS", "load_graph_module"]

GRAPHS: dict[str, str] = {
    "calculator": "nemotron_agents.graphs.calculator",
}


def load_graph_module(name: str) -> ModuleType:
    """Import the module of graph ``name``.

    Raises:
        ConfigError: Unknown name; the message lists the known graphs.
    """
    if name not in GRAPHS:
        raise ConfigError(f"Unknown graph {name!r}. Available graphs: {', '.join(sorted(GRAPHS))}")
    return importlib.import_module(GRAPHS[name])
