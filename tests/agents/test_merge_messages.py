"""``merge_messages`` gives what ``add_messages`` gives, and appends without its Python walk."""

from __future__ import annotations

import copy
import itertools
import random
import uuid
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    RemoveMessage,
    ToolMessage,
)
from langgraph.graph.message import REMOVE_ALL_MESSAGES, add_messages

from nemotron_agents import build_agent
from nemotron_agents.agents import state as state_module
from nemotron_agents.agents.state import merge_messages
from nemotron_agents.testing import ScriptedChatModel


@pytest.fixture
def counted_uuids(monkeypatch: pytest.MonkeyPatch) -> Any:
    """uuid4 made predictable, so a run of each reducer names missing ids the same way."""

    def restart() -> None:
        counter = itertools.count()
        monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))

    return restart


def _message(rng: random.Random, serial: int, *, with_id: bool = True) -> Any:
    mid = f"m{serial}" if with_id else None
    kind = rng.choice(["human", "ai", "tool", "chunk", "tuple", "dict"])
    if kind == "human":
        return HumanMessage(f"h{serial}", id=mid)
    if kind == "ai":
        return AIMessage(f"a{serial}", id=mid)
    if kind == "tool":
        return ToolMessage(f"t{serial}", tool_call_id=f"c{serial}", id=mid)
    if kind == "chunk":
        return AIMessageChunk(content=f"k{serial}", id=mid)
    if kind == "tuple":
        return ("user", f"u{serial}")
    return {"role": "assistant", "content": f"d{serial}"}


def _history(rng: random.Random, size: int) -> list[Any]:
    plain = rng.random() < 0.6  # most histories are what a step sees: plain messages with ids
    out: list[Any] = []
    for serial in range(size):
        if plain:
            out.append(HumanMessage(f"h{serial}", id=f"m{serial}"))
        else:
            out.append(_message(rng, serial, with_id=rng.random() < 0.8))
    return out


def _update(rng: random.Random, left: list[Any], start: int) -> list[Any]:
    out: list[Any] = []
    known = [m.id for m in left if getattr(m, "id", None)]
    for serial in range(start, start + rng.randint(0, 4)):
        roll = rng.random()
        if roll < 0.5:
            out.append(AIMessage(f"new{serial}", id=f"m{serial}"))
        elif roll < 0.6:
            out.append(ToolMessage("r", tool_call_id="c", id=None))  # an id to assign
        elif roll < 0.7 and known:
            out.append(AIMessage("replaced", id=rng.choice(known)))  # an update by id
        elif roll < 0.78 and known:
            out.append(RemoveMessage(id=rng.choice(known)))
        elif roll < 0.82:
            out.append(RemoveMessage(id=REMOVE_ALL_MESSAGES))
        elif roll < 0.88 and out:
            out.append(AIMessage("twice", id=out[-1].id if hasattr(out[-1], "id") else "x"))
        else:
            out.append(_message(rng, serial))
    return out


def _shape(messages: Any) -> list[tuple[str, Any, Any]]:
    return [(type(m).__name__, getattr(m, "id", m), getattr(m, "content", m)) for m in messages]


def test_same_result_as_add_messages_on_random_merges(counted_uuids: Any) -> None:
    rng = random.Random(20261203)
    fast_paths = 0
    for _ in range(600):
        left = _history(rng, rng.randint(0, 30))
        right = _update(rng, left, 1000)
        ours_in, theirs_in = copy.deepcopy((left, right)), copy.deepcopy((left, right))
        counted_uuids()
        try:
            expected: Any = _shape(add_messages(*theirs_in))
        except ValueError as error:  # removing an id that is not there
            expected = str(error)
        counted_uuids()
        try:
            got: Any = _shape(merge_messages(*ours_in))
        except ValueError as error:
            got = str(error)
        assert got == expected, (left, right)
        assert _shape(ours_in[1]) == _shape(theirs_in[1])  # right's ids assigned alike
        fast_paths += all(isinstance(m, HumanMessage) for m in left) and all(
            type(m) is AIMessage and m.id.startswith("m1") for m in right
        )
    assert fast_paths > 50  # the random cases did exercise the append path


def test_an_append_never_calls_add_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any) -> Any:
        raise AssertionError("fell back to add_messages for a plain append")

    monkeypatch.setattr(state_module, "add_messages", refuse)
    left = [HumanMessage("hi", id="1"), AIMessage("yes", id="2")]
    right = [ToolMessage("r", tool_call_id="c"), AIMessage("done", id="3")]
    merged = merge_messages(left, right)
    assert [m.content for m in merged] == ["hi", "yes", "r", "done"]
    assert merged is not left and len(left) == 2  # a new list; the old state is untouched
    assert right[0].id  # a new message without an id gets one, as add_messages gives it


@pytest.mark.parametrize(
    ("right", "why"),
    [
        ([AIMessage("again", id="1")], "update by id"),
        ([RemoveMessage(id="1")], "removal"),
        ([AIMessage("a", id="9"), AIMessage("b", id="9")], "repeated id"),
        ([("user", "tuple")], "not a message"),
        ([AIMessageChunk(content="c", id="8")], "chunk"),
    ],
)
def test_anything_but_an_append_is_add_messages_own(
    monkeypatch: pytest.MonkeyPatch, right: list[Any], why: str
) -> None:
    calls: list[Any] = []

    def spy(left: Any, new: Any) -> Any:
        calls.append(new)
        return add_messages(left, new)

    monkeypatch.setattr(state_module, "add_messages", spy)
    merge_messages([HumanMessage("hi", id="1")], right)
    assert calls == [right], why


def test_the_agent_merges_its_messages_with_it() -> None:
    graph = build_agent(model=ScriptedChatModel(["hi"]))
    assert graph.builder.channels["messages"].operator is merge_messages
