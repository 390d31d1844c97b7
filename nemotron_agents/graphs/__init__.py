"""Ready example graphs. Nothing in the library imports this package.

Every module here (but ``spec``) declares one :class:`GraphSpec` as ``SPEC``; ``GRAPHS`` maps
each graph's name (as the CLI and ``langgraph.json`` use it) to its spec, found by scanning the
package, so adding a graph is adding one module. Importing builds nothing.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from types import ModuleType

from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs.spec import GRAPHS, GraphSpec

__all__ = ["GRAPHS", "MODULES", "GraphSpec", "get_spec", "load_graph_module"]


def _discover(specs: dict[str, GraphSpec]) -> dict[str, str]:
    modules: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "spec":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, GraphSpec):
            continue  # a helper module (shared data, tools) rather than a graph
        if spec.name in specs:
            raise ConfigError(
                f"Two graph modules declare the name {spec.name!r}: {modules[spec.name]} and "
                f"{module.__name__}"
            )
        specs[spec.name] = spec
        modules[spec.name] = module.__name__
    return modules


#: Graph name -> its module's name; GRAPHS (name -> spec) is filled alongside.
MODULES = _discover(GRAPHS)


def get_spec(name: str) -> GraphSpec:
    """The spec of graph ``name``.

    Raises:
        ConfigError: Unknown name; the message lists the known graphs.
    """
    if name not in GRAPHS:
        close = difflib.get_close_matches(name, list(GRAPHS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"Unknown graph {name!r}.{hint} Available graphs: {', '.join(sorted(GRAPHS))}"
        )
    return GRAPHS[name]


def load_graph_module(name: str) -> ModuleType:
    """The module of graph ``name`` (its ``graph`` attribute is what ``langgraph.json`` loads).

    Raises:
        ConfigError: Unknown name; the message lists the known graphs.
    """
    get_spec(name)
    return importlib.import_module(MODULES[name])
