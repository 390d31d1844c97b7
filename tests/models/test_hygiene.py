import re

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_nvidia_ai_endpoints._utils import convert_message_to_dict

from nemotron_agents.models.hygiene import (
    ACKNOWLEDGEMENT,
    MISSING_RESULT,
    mistral_tool_call_id,
    prepare_messages,
)

ID = re.compile(r"^[a-zA-Z0-9]{9}$")


def call(name, cid, **args):
    return {"name": name, "args": args, "id": cid, "type": "tool_call"}


def wire(messages):
    """What ChatNVIDIA 1.5 would put on the wire for these messages."""
    return [convert_message_to_dict(m) for m in prepare_messages(messages)]


def test_ids_become_nine_alphanumerics_consistently():
    history = [
        HumanMessage("hi"),
        AIMessage("", tool_calls=[call("a", "call_abc-123"), call("b", "toolu_01XYZ")]),
        ToolMessage("1", tool_call_id="call_abc-123"),
        ToolMessage("2", tool_call_id="toolu_01XYZ"),
    ]
    out = wire(history)
    ids = [c["id"] for c in out[1]["tool_calls"]]
    assert all(ID.match(i) for i in ids) and len(set(ids)) == 2
    assert [out[2]["tool_call_id"], out[3]["tool_call_id"]] == ids
    assert [out[2]["content"], out[3]["content"]] == ["1", "2"]
    # deterministic: same history, same ids
    assert [c["id"] for c in wire(history)[1]["tool_calls"]] == ids
    # input untouched
    assert history[1].tool_calls[0]["id"] == "call_abc-123"


def test_valid_ids_are_kept_and_collisions_avoided():
    history = [
        HumanMessage("hi"),
        AIMessage("", tool_calls=[call("a", "AbC123xYz")]),
        ToolMessage("1", tool_call_id="AbC123xYz"),
        AIMessage("", tool_calls=[call("a", "AbC123xYz")]),  # a provider reusing an id
        ToolMessage("2", tool_call_id="AbC123xYz"),
    ]
    out = wire(history)
    first, second = out[1]["tool_calls"][0]["id"], out[3]["tool_calls"][0]["id"]
    assert first == "AbC123xYz" and ID.match(second) and second != first
    assert out[2]["tool_call_id"] == first and out[2]["content"] == "1"
    assert out[4]["tool_call_id"] == second and out[4]["content"] == "2"


def test_streamed_turn_gets_additional_kwargs_tool_calls_rebuilt():
    # After streaming, .tool_calls is set but additional_kwargs is empty: ChatNVIDIA would send
    # {"role": "assistant", "content": ""} and a Mistral server answers 400.
    streamed = AIMessage("", tool_calls=[call("add", "AbC123xYz", a=1, b=2)])
    assert "tool_calls" not in convert_message_to_dict(streamed)
    out = wire([HumanMessage("1+2?"), streamed, ToolMessage("3", tool_call_id="AbC123xYz")])
    assert out[1]["content"] is None
    assert out[1]["tool_calls"] == [
        {
            "id": "AbC123xYz",
            "type": "function",
            "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
        }
    ]


def test_every_call_gets_exactly_one_result():
    history = [
        HumanMessage("go"),
        AIMessage("", tool_calls=[call("a", "c1"), call("b", "c2")]),
        ToolMessage("r1", tool_call_id="c1"),
        ToolMessage("r1 again", tool_call_id="c1"),  # duplicate
        ToolMessage("orphan", tool_call_id="zzz"),  # no call
    ]
    out = wire(history)
    assert [m["role"] for m in out] == ["user", "assistant", "tool", "tool"]
    assert out[2]["content"] == "r1"
    assert out[3]["content"] == MISSING_RESULT


def test_content_with_tool_calls_dropped_and_empty_assistant_removed():
    history = [
        HumanMessage("x"),
        AIMessage("Let me check.", tool_calls=[call("a", "c1")]),
        ToolMessage("ok", tool_call_id="c1"),
        AIMessage(""),
        HumanMessage("and?"),
    ]
    out = wire(history)
    assert out[1]["content"] is None and out[1]["tool_calls"]
    # the empty assistant is dropped, and a user may not follow a tool: acknowledgement inserted
    assert [m["role"] for m in out] == ["user", "assistant", "tool", "assistant", "user"]
    assert out[3]["content"] == ACKNOWLEDGEMENT


def test_system_messages_merged_at_start():
    history = [
        SystemMessage("be brief"),
        HumanMessage("x"),
        AIMessage("", tool_calls=[call("a", "c1")]),
        ToolMessage("ok", tool_call_id="c1"),
        SystemMessage("Summary: earlier stuff"),
        AIMessage("done"),
    ]
    out = wire(history)
    assert out[0] == {"role": "system", "content": "be brief\n\nSummary: earlier stuff"}
    assert [m["role"] for m in out[1:]] == ["user", "assistant", "tool", "assistant"]


def test_malformed_calls_are_sent_with_empty_arguments_and_their_result():
    bad = AIMessage(
        "",
        invalid_tool_calls=[
            {
                "name": "add",
                "args": '{"a": 1,',
                "id": "bad1",
                "error": "json",
                "type": "invalid_tool_call",
            }
        ],
    )
    out = wire(
        [
            HumanMessage("x"),
            bad,
            ToolMessage("Error: bad json", tool_call_id="bad1", status="error"),
        ]
    )
    assert out[1]["tool_calls"][0]["function"] == {"name": "add", "arguments": "{}"}
    assert out[2]["tool_call_id"] == out[1]["tool_calls"][0]["id"]


def test_mistral_tool_call_id_shape():
    ids = {mistral_tool_call_id(f"call_{i}") for i in range(2000)}
    assert len(ids) == 2000 and all(ID.match(i) for i in ids)


# --- property: any messy history becomes one that mistral-common accepts -------------------

import random  # noqa: E402

import pytest  # noqa: E402

from nemotron_agents.testing.emulator._model.catalog import ModelConfig  # noqa: E402
from nemotron_agents.testing.emulator._request_rules import ValidationOptions, validate_chat_request  # noqa: E402

BAD_IDS = ["call_{}", "toolu_0{}XYZ", "{}", "c-{}", "AbC123xY{}", ""]


def messy_history(rng: random.Random):
    messages = [SystemMessage("sys")] if rng.random() < 0.5 else []
    for turn in range(rng.randint(1, 5)):
        messages.append(HumanMessage(f"q{turn}"))
        if rng.random() < 0.2:
            messages.append(SystemMessage("mid-conversation note"))
        for step in range(rng.randint(0, 3)):
            calls = [
                call("add", rng.choice(BAD_IDS).format(f"{turn}{step}{i}"), a=i)
                for i in range(rng.randint(1, 3))
            ]
            text = "thinking" if rng.random() < 0.3 else ""
            streamed = rng.random() < 0.5  # streamed turns lack additional_kwargs["tool_calls"]
            ai = AIMessage(text, tool_calls=calls)
            if not streamed:
                ai.additional_kwargs["tool_calls"] = [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": "add", "arguments": "{}"},
                    }
                    for c in calls
                ]
            messages.append(ai)
            for c in calls:
                if rng.random() < 0.85:
                    messages.append(ToolMessage("r", tool_call_id=c["id"]))
            if rng.random() < 0.1:
                messages.append(ToolMessage("orphan", tool_call_id="nowhere"))
        if rng.random() < 0.7:
            messages.append(AIMessage(rng.choice(["answer", ""])))
    messages.append(HumanMessage("last question"))
    return messages


@pytest.mark.parametrize("validator", ["v3", "v7", "v11", "v13"])
def test_random_histories_pass_mistral_validation(validator):
    rng = random.Random(validator)
    config = ModelConfig("m", validator=validator)
    options = ValidationOptions(mode="serving")
    for _ in range(150):
        body = {"model": "m", "messages": wire(messy_history(rng))}
        validate_chat_request(body, config, options)


# --- incremental: the per-conversation cache gives exactly what prepare_messages gives -------

from nemotron_agents.models._wire_cache import WireCache  # noqa: E402
from nemotron_agents.models.hygiene import Hygiene  # noqa: E402


def test_cache_grown_step_by_step_equals_prepare_messages_on_the_whole_history():
    rng = random.Random(7)
    cache = WireCache()
    for case in range(300):
        history = messy_history(rng)
        system = "be brief" if case % 2 else None
        cuts = sorted(rng.sample(range(1, len(history) + 1), k=min(4, len(history))))
        for end in [*cuts, len(history)]:
            prefix = history[:end]
            expected = prepare_messages(([SystemMessage(system)] if system else []) + prefix)
            got = cache.prepare(system, prefix)
            assert [convert_message_to_dict(m) for m in got] == [
                convert_message_to_dict(m) for m in expected
            ]


def test_an_agent_loop_history_is_processed_once():
    cache = WireCache()
    history = [HumanMessage("q", id="h")]
    for step in range(200):
        cache.prepare("system", history)
        ai = AIMessage("", tool_calls=[call("add", f"id{step:07d}", a=step)], id=f"a{step}")
        history = [
            *history,
            ai,
            ToolMessage(str(step), tool_call_id=f"id{step:07d}", id=f"t{step}"),
        ]
    out = cache.prepare("system", history)
    assert cache.rebuilds == 1 and len(out) == 1 + 1 + 400


def test_cache_starts_over_when_the_history_is_rewritten():
    cache = WireCache()
    first = [HumanMessage("q", id="h1"), AIMessage("a", id="a1")]
    cache.prepare(None, first)
    assert cache.rebuilds == 1
    cache.prepare(None, [*first, HumanMessage("q2", id="h2")])
    assert cache.rebuilds == 1  # extended, not rebuilt
    rewritten = [first[0], AIMessage("another answer", id="a1"), HumanMessage("q2", id="h2")]
    out = cache.prepare(None, rewritten)
    assert cache.rebuilds == 2 and out[1].content == "another answer"


def test_a_late_result_for_an_unanswered_call_rebuilds_and_is_placed_after_its_call():
    cache = WireCache()
    ai = AIMessage("", tool_calls=[call("add", "abcdefghi", a=1)], id="a1")
    start = [HumanMessage("q", id="h1"), ai]
    assert cache.prepare(None, start)[-1].content == MISSING_RESULT
    late = ToolMessage("2", tool_call_id="abcdefghi", id="t1")
    out = cache.prepare(None, [*start, late])
    assert [m.content for m in out] == ["q", "", "2"] and cache.rebuilds == 2


def test_unchanged_messages_go_to_the_wire_as_they_are():
    ai = AIMessage("", tool_calls=[call("add", "abcdefghi", a=1)])
    result = ToolMessage("2", tool_call_id="abcdefghi")
    question = HumanMessage("q")
    out = Hygiene.of([question, ai, result])
    assert out[0] is question and out[2] is result
