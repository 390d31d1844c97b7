"""The router graph: plain turns on NeMo 12B, tool work on Nemotron, tokens and cost per model."""

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents.graphs.router import TOOLS, build_graph
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator, ScriptedChatModel, tool_call
from nemotron_agents.testing.emulator import MISTRAL_NEMO_12B, MISTRAL_NEMOTRON, ToolCall

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")

CHAT = "What is the capital of France?"
TOOL_QUESTION = "What is 15% of 240?"
PERCENT_CALL = {"operation": "percent_of", "a": 15, "b": 240}


def cheap(route="chat", *, escalate=False, fail=None):
    """Scripted Mistral-NeMo 12B: the classifier's route, then an answer or an escalation."""

    def script(messages, tools):
        (bound,) = [t["function"]["name"] for t in tools]
        if bound == "route":
            if fail == "classify":
                raise ConnectionError("classifier down")
            return [tool_call("route", {"route": route, "reason": "scripted"})]
        if fail == "answer":
            raise ConnectionError("nemo down")
        if escalate:
            return [tool_call("escalate", {"reason": "needs an exact percentage"})]
        return "Paris."

    return ScriptedChatModel(script, model="nemo")


def nemotron(*turns):
    return ScriptedChatModel(list(turns) or ["unused"], model="nemotron")


def percent_turns():
    return [[tool_call("percentage", PERCENT_CALL)], "15% of 240 is 36."]


def build(nemo, big, **kw):
    kw.setdefault("settings", Settings(max_retries=0))
    return build_graph(model=big, cheap_model=nemo, **kw)


async def run(graph, mode, text, config=None):
    inputs = {"messages": [HumanMessage(text)]}
    return graph.invoke(inputs, config) if mode == "invoke" else await graph.ainvoke(inputs, config)


def bound_names(model):
    return [[t["function"]["name"] for t in call["tools"]] for call in model.calls]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_tool_free_turn_goes_to_nemo(mode):
    nemo, big = cheap("chat"), nemotron()
    result = await run(build(nemo, big), mode, CHAT)
    assert result["messages"][-1].content == "Paris."
    assert big.calls == []
    assert bound_names(nemo) == [["route"], ["escalate"]]
    assert (
        nemo.calls[0]["kwargs"]["tool_choice"] == "any"
    )  # the classifier must answer with a route
    assert result["route"] == {
        "decision": "chat",
        "reason": "scripted",
        "escalated": False,
        "answered_by": "nemo",
    }
    assert set(result["usage"]) == {"nemo"} and result["usage"]["nemo"]["calls"] == 2


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_tool_turn_goes_to_nemotron(mode):
    nemo, big = cheap("tools"), nemotron(*percent_turns())
    result = await run(build(nemo, big), mode, TOOL_QUESTION)
    assert bound_names(nemo) == [["route"]]  # classified, never asked to answer
    assert len(big.calls) == 2 and set(bound_names(big)[0]) == set(TOOLS.names())
    (result_message,) = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert result_message.name == "percentage" and float(result_message.content) == 36
    assert result["messages"][-1].content == "15% of 240 is 36."
    assert result["route"]["decision"] == "tools" and result["route"]["answered_by"] == "nemotron"
    assert result["usage"]["nemotron"]["calls"] == 2 and result["usage"]["nemo"]["calls"] == 1


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_wrong_route_escalates_to_nemotron(mode):
    nemo, big = cheap("chat", escalate=True), nemotron(*percent_turns())
    result = await run(build(nemo, big), mode, TOOL_QUESTION)
    assert bound_names(nemo) == [["route"], ["escalate"]]
    assert len(big.calls) == 2
    assert result["messages"][-1].content == "15% of 240 is 36."
    # the escalation is a routing signal, not part of the conversation
    assert not any(
        c["name"] == "escalate"
        for m in result["messages"]
        if isinstance(m, AIMessage)
        for c in m.tool_calls
    )
    route = result["route"]
    assert route["decision"] == "chat" and route["escalated"] is True
    assert route["escalation"] == "needs an exact percentage" and route["answered_by"] == "nemotron"


@pytest.mark.parametrize(
    ("nemo", "reason"),
    [
        (cheap(fail="classify"), "the classifier failed"),
        (cheap("maybe"), "no valid route"),  # arguments that break the schema
    ],
)
def test_a_classifier_that_cannot_decide_routes_to_nemotron(nemo, reason):
    big = nemotron(*percent_turns())
    result = build(nemo, big).invoke({"messages": [HumanMessage(TOOL_QUESTION)]})
    assert result["route"]["decision"] == "tools" and reason in result["route"]["reason"]
    assert result["messages"][-1].content == "15% of 240 is 36."
    assert result["turns"][0]["node"] == "classify"


def test_a_failed_cheap_answer_escalates():
    big = nemotron("Paris is the capital of France.")
    result = build(cheap("chat", fail="answer"), big).invoke({"messages": [HumanMessage(CHAT)]})
    assert result["messages"][-1].content == "Paris is the capital of France."
    assert result["route"]["escalated"] is True and "nemo down" in result["route"]["escalation"]
    failed = [t for t in result["turns"] if t["node"] == "nemo_answer"]
    assert failed and "model" not in failed[0]


def used(tokens_in, tokens_out, message):
    message.usage_metadata = {
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
    }
    return message


def test_cost_per_model_and_on_nemotron_alone():
    route_chat = [tool_call("route", {"route": "chat"})]
    nemo = ScriptedChatModel(
        [
            used(300, 20, AIMessage("", tool_calls=route_chat)),  # turn 1: classify
            used(500, 200, AIMessage("Paris.")),  # turn 1: answer
            used(300, 20, AIMessage("", tool_calls=route_chat)),  # turn 2: classify (wrongly)
            used(400, 10, AIMessage("", tool_calls=[tool_call("escalate", {"reason": "maths"})])),
        ],
        model="nemo",
    )
    big = ScriptedChatModel(
        [
            used(1000, 30, AIMessage("", tool_calls=[tool_call("percentage", PERCENT_CALL)])),
            used(1200, 40, AIMessage("36.")),
        ],
        model="nemotron",
    )
    prices = Settings(
        nemotron_price_in=2.0, nemotron_price_out=8.0, nemo_price_in=0.1, nemo_price_out=0.3
    )
    graph = build(nemo, big, settings=prices, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "cost"}}

    first = graph.invoke({"messages": [HumanMessage(CHAT)]}, config)["cost"]
    # NeMo: 800 in x $0.1/M + 220 out x $0.3/M = $80e-6 + $66e-6
    assert first["models"]["nemo"]["cost"] == pytest.approx(146e-6)
    assert first["total"] == pytest.approx(146e-6)
    # routing: the classifier's 300 in x 0.1 + 20 out x 0.3
    assert first["routing"] == pytest.approx(36e-6)
    # Nemotron alone answers the same 500 in / 200 out at $2/M and $8/M: 1000e-6 + 1600e-6
    assert first["nemotron_only"] == pytest.approx(2600e-6)
    assert first["saved"] == pytest.approx(2454e-6)

    cost = graph.invoke({"messages": [HumanMessage(TOOL_QUESTION)]}, config)["cost"]
    assert cost["models"]["nemo"] == {
        "input_tokens": 1500,
        "output_tokens": 250,
        "calls": 4,
        "price_in": 0.1,
        "price_out": 0.3,
        "cost": pytest.approx(225e-6),  # 150e-6 + 75e-6
    }
    assert cost["models"]["nemotron"]["cost"] == pytest.approx(4960e-6)  # 2200 x 2 + 70 x 8
    assert cost["total"] == pytest.approx(5185e-6)
    # both classifier calls (36e-6 each) and the escalated answer (400 x 0.1 + 10 x 0.3 = 43e-6)
    assert cost["routing"] == pytest.approx(115e-6)
    # turn 1's answer (2600e-6) plus what Nemotron did anyway (4960e-6)
    assert cost["nemotron_only"] == pytest.approx(7560e-6)
    assert cost["saved"] == pytest.approx(2375e-6)
    assert cost["currency"] == "USD" and cost["unpriced"] == []


def test_prices_from_settings_apply_to_the_settings_models():
    with NIMEmulator() as emu:
        s = Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=0, nemo_price_in=1.0)
        result = build_graph(settings=s).invoke({"messages": [HumanMessage(CHAT)]})
    nemo, nemotron = (1.0, s.nemo_price_out), (s.nemotron_price_in, s.nemotron_price_out)
    for model, counts in result["cost"]["models"].items():
        price = nemo if model == MISTRAL_NEMO_12B else nemotron
        assert (counts["price_in"], counts["price_out"]) == price
        assert counts["cost"] == pytest.approx(
            (counts["input_tokens"] * price[0] + counts["output_tokens"] * price[1]) / 1e6
        )
    assert MISTRAL_NEMO_12B in result["cost"]["models"]


# -- over HTTP: ChatNVIDIA against the NIM emulator ----------------------------------------------


def http_settings(emu):
    return Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=0, timeout=5)


def assert_all_accepted(emu):
    statuses = [(r.status, r.error) for r in emu.chat_requests]
    assert statuses and all(status == 200 for status, _ in statuses), statuses


def test_offline_run_completes_over_http_with_every_request_accepted():
    with NIMEmulator() as emu:
        result = build_graph(settings=http_settings(emu)).invoke(
            {"messages": [HumanMessage("Convert 5 miles to km, then add 10%.")]}
        )
        assert_all_accepted(emu)
    assert isinstance(result["messages"][-1], AIMessage) and result["messages"][-1].content
    assert result["cost"]["total"] > 0 and MISTRAL_NEMO_12B in result["usage"]


def routing_policy(body):
    """Emulator callback: route by the question, answer as each role would."""
    tools = [t["function"]["name"] for t in body.get("tools") or []]
    question = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    question = question.rsplit("Message to route: ", 1)[-1]  # after the previous answer, if any
    if tools == ["route"]:
        return ToolCall("route", {"route": "tools" if "%" in question else "chat"})
    if tools == ["escalate"]:
        return "Paris."
    if body["messages"][-1]["role"] == "tool":
        return "15% of 240 is 36."
    return ToolCall("percentage", PERCENT_CALL)


def test_a_thread_mixing_both_routes_is_valid_on_the_wire():
    """NeMo 12B gets a history holding Nemotron's tool calls: its Mistral validator accepts it."""
    with NIMEmulator(policy=routing_policy) as emu:
        graph = build_graph(settings=http_settings(emu), checkpointer=InMemorySaver())
        config = {"configurable": {"thread_id": "mixed"}}
        graph.invoke({"messages": [HumanMessage(TOOL_QUESTION)]}, config)
        result = graph.invoke({"messages": [HumanMessage(CHAT)]}, config)
        assert_all_accepted(emu)
        models = [r.body["model"] for r in emu.chat_requests]
    assert models == [
        MISTRAL_NEMO_12B,
        MISTRAL_NEMOTRON,
        MISTRAL_NEMOTRON,
        MISTRAL_NEMO_12B,
        MISTRAL_NEMO_12B,
    ]
    routed = emu.chat_requests[3].body["messages"][-1]["content"]  # the second turn's classifier
    assert routed == f"Previous answer: 15% of 240 is 36.\n\nMessage to route: {CHAT}"
    last_request = emu.chat_requests[-1].body["messages"]
    assert any(m["role"] == "tool" for m in last_request)  # the tool turn was in NeMo's history
    assert result["messages"][-1].content == "Paris."
    assert result["route"]["answered_by"] == MISTRAL_NEMO_12B
    assert (
        result["usage"][MISTRAL_NEMOTRON]["calls"] == 2
        and result["usage"][MISTRAL_NEMO_12B]["calls"] == 3
    )
