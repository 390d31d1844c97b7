"""A run's context (LangGraph's context schema) picks models, temperature and step limit per run."""

import pytest
from langchain_core.messages import HumanMessage

from nemotron_agents.agents import build_agent
from nemotron_agents.agents.context import read_context
from nemotron_agents.errors import ConfigError
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator, ScriptedChatModel, tool_call


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


def test_context_max_steps_overrides_the_build_limit():
    model = ScriptedChatModel(lambda messages, tools: [tool_call("add", {"a": 1, "b": 1})])
    agent = build_agent(model=model, tools=[add], max_steps=10)
    out = agent.invoke({"messages": [HumanMessage("loop")]}, context={"max_steps": 2})
    assert len(model.calls) == 2
    assert "stopped after 2 steps" in out["messages"][-1].content


def test_context_model_and_temperature_reach_the_endpoint():
    with NIMEmulator() as emu:
        settings = Settings(base_url=emu.base_url, api_key="offline", max_retries=0)
        agent = build_agent(tools=[add], settings=settings)
        agent.invoke({"messages": [HumanMessage("hello")]})
        agent.invoke(
            {"messages": [HumanMessage("hello")]},
            context={"model": "nv-mistralai/mistral-nemo-12b-instruct", "temperature": 0.3},
        )
    first, second = emu.chat_requests
    assert first.body["model"] == "mistralai/mistral-nemotron" and "temperature" not in first.body
    assert second.body["model"] == "nv-mistralai/mistral-nemo-12b-instruct"
    assert second.body["temperature"] == 0.3


def test_studio_sends_empty_fields_as_none_and_they_mean_default():
    assert read_context({"model": None, "temperature": None, "max_steps": 3}) == {"max_steps": 3}


@pytest.mark.parametrize(
    ("context", "named"),
    [
        ({"max_steps": 0}, "max_steps"),
        ({"temperature": 9}, "temperature"),
        ({"modle": "x"}, "modle"),
        ("mistral", "mapping"),
    ],
)
def test_invalid_context_is_a_clear_error(context, named):
    agent = build_agent(model=ScriptedChatModel(["hi"]), tools=[add])
    with pytest.raises(ConfigError, match=named) as info:
        agent.invoke({"messages": [HumanMessage("x")]}, context=context)
    if named == "modle":
        assert "allowed" in str(info.value) and "max_steps" in str(info.value)


def test_running_without_key_or_base_url_says_what_to_set_at_once(monkeypatch):
    from nemotron_agents.errors import MissingCredentialsError

    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    monkeypatch.delenv("NVIDIA_BASE_URL", raising=False)
    from nemotron_agents.models.fallback import ModelChain

    agent = build_agent(tools=[add])  # building needs no key

    def no_call(*args, **kwargs):
        raise AssertionError("a model call was attempted")

    monkeypatch.setattr(ModelChain, "invoke", no_call)
    with pytest.raises(MissingCredentialsError, match=r"NVIDIA_API_KEY.*NVIDIA_BASE_URL"):
        agent.invoke({"messages": [HumanMessage("hi")]})
    monkeypatch.undo()
    # an explicit model needs no endpoint settings
    scripted = build_agent(model=ScriptedChatModel(["hello"]), tools=[add])
    assert scripted.invoke({"messages": [HumanMessage("hi")]})["messages"][-1].content == "hello"
