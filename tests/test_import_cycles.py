"""No module of the package imports, however indirectly, a module that imports it back.

import-linter's ``acyclic_siblings`` contract (in ``.ci/run``) checks packages' children; this
also catches a cycle through a package's ``__init__`` and imports made inside functions.
"""

import grimp


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_package_has_no_import_cycle():
    graph = grimp.build_graph("nemotron_agents", cache_dir=None)
    assert _cycles(graph) == []


def test_the_check_finds_a_cycle_when_there_is_one():
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert _cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_importing_a_main_module_runs_nothing():
    """A ``__main__`` module runs its command only under ``python -m``: importing it (a checker,
    a doc tool, a test that imports every module) must not start a server or parse argv."""
    import ast
    import pathlib

    import nemotron_agents

    root = pathlib.Path(nemotron_agents.__file__).parent
    mains = sorted(root.rglob("__main__.py"))
    assert mains  # the command line and the emulator have one
    for path in mains:
        tree = ast.parse(path.read_text())
        for statement in tree.body:
            guarded = isinstance(statement, ast.If) and "__name__" in ast.unparse(statement.test)
            quiet = isinstance(statement, ast.Import | ast.ImportFrom) or (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            )
            assert guarded or quiet, f"{path.relative_to(root)}: {ast.unparse(statement)}"
