"""Real MCP servers for the tests: the reference time and git servers from PyPI over stdio, and
this project's own server (the calculator graph's tools) over streamable HTTP on loopback."""

import pytest
from mcp_servers import git_server, make_repo, time_server

from nemotron_agents.graphs import get_spec
from nemotron_agents.mcp_server import make_server, running_http_server
from nemotron_agents.tools.mcp import MCP_CONFIG_ENV, MCPToolset


@pytest.fixture(autouse=True)
def no_mcp_env(monkeypatch):
    monkeypatch.delenv(MCP_CONFIG_ENV, raising=False)


@pytest.fixture(scope="session")
def repo(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="session")
def own_server_url():
    """The calculator graph's tools, served by this project over streamable HTTP."""
    with running_http_server(make_server(get_spec("calculator").registry())) as url:
        yield url


@pytest.fixture(scope="session")
def toolset(repo, own_server_url):
    """Time and git over stdio, our own server over HTTP: opened once for the whole session."""
    config = {
        "servers": {"time": time_server(), "git": git_server(repo), "own": {"url": own_server_url}}
    }
    with MCPToolset(config) as opened:
        yield opened
