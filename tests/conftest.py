"""Shared test set-up: no telemetry, no tracing, no analytics; `live` tests need a key."""

import os

import pytest

os.environ["NVIDIA_USAGE_TELEMETRY_ENABLED"] = "0"
os.environ["LANGGRAPH_CLI_NO_ANALYTICS"] = "1"
os.environ["LANGSMITH_TRACING"] = "false"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("NVIDIA_API_KEY"):
        return
    skip = pytest.mark.skip(reason="live test: set NVIDIA_API_KEY to run it")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)
