"""`nemotron-agents mcp serve`: a graph's tools to any MCP client, over stdio and HTTP."""

import re
import signal
import subprocess
import sys

import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

from nemotron_agents.cli import main
from nemotron_agents.graphs import get_spec
from nemotron_agents.mcp_server import APPROVAL_REFUSED, make_server, running_http_server
from nemotron_agents.tools import ToolRegistry, tool

SERVE = [sys.executable, "-m", "nemotron_agents.cli", "mcp", "serve"]


def text(result):
    return "\n".join(block.text for block in result.content)


async def check_calculator_server(client):
    registry = get_spec("calculator").registry()
    listed = (await client.list_tools()).tools
    assert [t.name for t in listed] == registry.names()
    for served in listed:
        own = registry.get(served.name)
        assert served.description == own.description and served.input_schema == own.parameters
        assert served.annotations.read_only_hint is True

    calls = {
        "calculate": ({"expression": "2 * (3 + 4)"}, "14"),
        "percentage": ({"operation": "percent_of", "a": 15, "b": 240}, "36.0"),
        "convert_units": ({"value": 5, "from_unit": "mi", "to_unit": "km"}, "8.04672"),
    }
    for name, (args, expected) in calls.items():
        result = await client.call_tool(name, args)
        assert not result.is_error and text(result) == expected, (name, text(result))

    # bad input: the registry's own message, as an MCP error result
    bad = await client.call_tool("percentage", {"operation": "nope", "a": 1, "b": 2})
    assert bad.is_error and text(bad) == str(
        _error_of(registry, "percentage", {"operation": "nope", "a": 1, "b": 2})
    )
    assert "operation: Input should be 'percent_of' or 'percent_change'" in text(bad)
    missing = await client.call_tool("calculate", {"expr": "1 + 1"})
    assert (
        missing.is_error
        and "expr: unknown parameter" in text(missing)
        and "expression: required but missing" in text(missing)
    )
    failed = await client.call_tool("calculate", {"expression": "1 / 0"})
    assert failed.is_error and "division by zero" in text(failed).lower()
    with pytest.raises(
        MCPError, match=r"Unknown tool: nope. Available tools: calculate, percentage, convert_units"
    ):
        await client.call_tool("nope", {})


def _error_of(registry, name, args):
    try:
        registry.get(name).run(args)
    except Exception as exc:  # noqa: BLE001 (the registry's message, compared with the server's)
        return exc
    raise AssertionError("expected an error")


async def test_stdio_serves_the_calculator_tools():
    async with Client(
        StdioServerParameters(command=SERVE[0], args=[*SERVE[1:], "calculator"])
    ) as client:
        await check_calculator_server(client)


async def test_http_serves_the_calculator_tools():
    proc = subprocess.Popen(
        [*SERVE, "calculator", "--transport", "http", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    match = None
    try:
        for line in proc.stderr:  # notes may come first; the URL line says where to connect
            if match := re.search(r"at (http://127\.0\.0\.1:\d+/mcp) \(streamable HTTP\)", line):
                break
        assert match, "the server never said where it listens"
        async with Client(match.group(1)) as client:
            await check_calculator_server(client)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        proc.stderr.close()


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


@tool(requires_approval=True)
def wipe(path: str) -> str:
    """Delete a file (a side effect: needs a person's approval).

    Args:
        path: The file.
    """
    return f"wiped {path}"


@pytest.mark.parametrize("allowed", [False, True])
async def test_approval_tools_are_refused_unless_allowed(allowed):
    server = make_server(ToolRegistry([add, wipe]), allow_approval_tools=allowed)
    with running_http_server(server) as url:
        async with Client(url) as client:
            listed = {t.name: t for t in (await client.list_tools()).tools}
            result = await client.call_tool("wipe", {"path": "notes.txt"})
            assert text(await client.call_tool("add", {"a": 2, "b": 3})) == "5"
    if allowed:
        assert set(listed) == {"add", "wipe"} and listed["wipe"].annotations is None
        assert not result.is_error and text(result) == "wiped notes.txt"
    else:
        assert set(listed) == {"add"}
        assert result.is_error and text(result) == APPROVAL_REFUSED.format(tool="wipe")


def test_a_graph_without_tools_has_nothing_to_serve(capsys):
    assert main(["mcp", "serve", "report"]) == 2
    assert "Graph 'report' has no tools to serve." in capsys.readouterr().err
