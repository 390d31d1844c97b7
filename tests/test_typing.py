"""The public API as a user's type checker sees it: strict mypy passes a correct program and
reports each wrong use, so annotations that fall back to ``Any`` make this test fail.

One mypy run checks both programs (cold cache in a temp dir). The package's own modules are
analysed for their types but their errors are silenced, as they are for an installed package:
the package itself is checked by ``.venv/bin/mypy`` (``[tool.mypy]`` in ``pyproject.toml``).
"""

import gc
import re
import runpy
import sys
import textwrap
from pathlib import Path

from mypy import api as mypy_api

import nemotron_agents

GOOD = '''
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents import Settings, ToolRegistry, build_agent, tool
from nemotron_agents.graphs import calculator
from nemotron_agents.testing import ScriptedChatModel, tool_call


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


settings = Settings.from_env({})
registry = ToolRegistry([add])
model = ScriptedChatModel([[tool_call("add", {"a": 2, "b": 3})], "5", "It is 8."])
agent = build_agent(
    model=model,
    tools=registry,
    fallback_model=False,
    settings=settings,
    checkpointer=InMemorySaver(),
    max_steps=4,
)
config: RunnableConfig = {"configurable": {"thread_id": "t1"}}
result = agent.invoke({"messages": [HumanMessage("What is 2 + 3?")]}, config)
last = result["messages"][-1]
answer: str = last.text if isinstance(last, AIMessage) else ""
again = agent.invoke({"messages": [("user", "And 4 + 4?")]}, config, context={"max_steps": 2})
usage: dict[str, dict[str, int]] = again["usage"]
calculator_graph = calculator.build_graph(model=model, fallback_model=False, settings=settings)
'''

# Each line marked "# error: CODE" must be reported with that code, and nothing else.
BAD = """
from nemotron_agents import ToolRegistry, build_agent
from nemotron_agents.graphs import calculator
from nemotron_agents.testing import ScriptedChatModel

model = ScriptedChatModel(["hi"])
build_agent(model=model, checkpointer=42)  # error: arg-type
build_agent(model=model, tools="add")  # error: arg-type
build_agent(model=model, fallback_model=True)  # error: arg-type
build_agent(model="mistralai/mistral-nemotron")  # error: arg-type
ToolRegistry("add")  # error: arg-type
steps: int = build_agent(model=model)  # error: assignment
agent = build_agent(model=model)
agent.invoke({"prompt": "hi"})  # error: call-overload
agent.invoke({"messages": ["hi"]}, context={"max_step": 3})  # error: call-overload
calculator.build_graph(model=model, checkpointer="threads.sqlite")  # error: arg-type
"""

_REPORTED = re.compile(r"^(?P<file>[^:]+\.py):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


def _expected(source: str) -> set[tuple[int, str]]:
    return {
        (number, line.rsplit("# error: ", 1)[1].strip())
        for number, line in enumerate(source.splitlines(), start=1)
        if "# error: " in line
    }


def test_public_api_types_pass_strict_mypy_and_catch_misuse(tmp_path):
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text(textwrap.dedent(GOOD).lstrip("\n"))
    bad_source = textwrap.dedent(BAD).lstrip("\n")
    bad.write_text(bad_source)
    root = Path(nemotron_agents.__file__).resolve().parent.parent
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\n"
        "strict = True\n"
        "python_version = 3.11\n"
        f"mypy_path = {root}\n"
        f"cache_dir = {tmp_path / 'cache'}\n"
        # the package's own findings are not the user's (an installed package's are silenced)
        "[mypy-nemotron_agents.*]\n"
        "follow_imports = silent\n"
    )

    # mypy run in this process raises the recursion limit and the GC thresholds for good; the
    # tests after this one must see the interpreter as it was.
    recursion_limit, gc_threshold = sys.getrecursionlimit(), gc.get_threshold()
    try:
        stdout, stderr, _ = mypy_api.run(
            [
                "--config-file",
                str(config),
                "--no-color-output",
                "--no-error-summary",
                str(good),
                str(bad),
            ]
        )
    finally:
        sys.setrecursionlimit(recursion_limit)
        gc.set_threshold(*gc_threshold)

    reported: dict[str, set[tuple[int, str]]] = {"good.py": set(), "bad.py": set()}
    for line in stdout.splitlines():
        if ": error: " not in line:
            continue  # notes under an error
        match = _REPORTED.match(line)
        assert match, f"unexpected mypy output: {line}\n{stdout}{stderr}"
        reported.setdefault(Path(match["file"]).name, set()).add(
            (int(match["line"]), match["code"])
        )
    assert set(reported) == {"good.py", "bad.py"}, stdout + stderr
    assert reported["good.py"] == set(), stdout + stderr
    assert reported["bad.py"] == _expected(bad_source), stdout + stderr

    # The program that type-checks is also a real one: it runs, offline.
    ran = runpy.run_path(str(good))
    assert ran["answer"] == "5"
    assert [m.content for m in ran["again"]["messages"]][-1] == "It is 8."
