"""Mistral's wire rules inside an agent run: what the model receives after a streamed turn."""

from langchain_core.messages import HumanMessage
from langchain_nvidia_ai_endpoints._utils import convert_message_to_dict

from nemotron_agents.agents import build_agent
from nemotron_agents.testing import ScriptedChatModel, tool_call


def test_streamed_history_reaches_the_model_repaired(registry):
    """stream_mode="messages" makes the model stream; the next request still carries the calls."""
    model = ScriptedChatModel([[tool_call("add", {"a": 1, "b": 2}, id="call_x-1")], "3"])
    graph = build_agent(model=model, tools=registry, fallback_model=False)
    chunks = list(graph.stream({"messages": [HumanMessage("1+2")]}, stream_mode="messages"))
    assert chunks
    wire = [convert_message_to_dict(m) for m in model.calls[1]["messages"]]
    assert [m["role"] for m in wire] == ["user", "assistant", "tool"]
    assert wire[1]["content"] is None and wire[1]["tool_calls"][0]["function"]["name"] == "add"
    assert wire[1]["tool_calls"][0]["id"] == wire[2]["tool_call_id"]
    assert wire[2]["tool_call_id"].isalnum() and len(wire[2]["tool_call_id"]) == 9
