"""The offline policy over turns: parallel and chained calls, retries, tool_choice, answers."""

from __future__ import annotations

import sys

from nemotron_agents.testing.emulator._encoding import IdSource
from nemotron_agents.testing.emulator._policies import auto_reply
from nemotron_agents.testing.emulator.offline import DECLINE_HINT
from nemotron_agents.tools import ToolRegistry
from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

REGISTRY = ToolRegistry(CALCULATOR_TOOLS)
TOOLS = [t.to_openai() for t in CALCULATOR_TOOLS]


def converse(text: str, *, turns: int = 6, **body):
    """Play the policy against the real calculator tools; the turns' calls and the answer."""
    messages = [{"role": "user", "content": text}]
    ids = IdSource(0).tool_call_id
    made = []
    for _ in range(turns):
        reply = auto_reply({"messages": messages, "tools": TOOLS, **body}, ids=ids)
        if not reply.tool_calls:
            return made, reply.content
        made.append([(c.name, dict(c.arguments)) for c in reply.tool_calls])
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments_json()},
                    }
                    for c in reply.tool_calls
                ],
            }
        )
        for c in reply.tool_calls:
            try:
                tool = REGISTRY.get(c.name)
                content = tool.format_output(tool.run(dict(c.arguments)))
            except Exception as exc:  # noqa: BLE001 - the error goes back, as the agent does
                content = str(exc)
            messages.append({"role": "tool", "tool_call_id": c.id, "content": content})
    raise AssertionError("no final answer")


def test_independent_parts_are_parallel_calls_in_one_turn():
    turns, answer = converse("What is 2**100 and then convert 5 miles to km?")
    assert turns == [
        [
            ("calculate", {"expression": "2 ** 100"}),
            ("convert_units", {"value": 5, "from_unit": "miles", "to_unit": "km"}),
        ]
    ]
    assert answer == "2 ** 100 is 1267650600228229401496703205376. 5 miles is 8.04672 km."


def test_a_chained_part_waits_for_the_result_it_uses():
    turns, answer = converse("Add 17 and 25, then multiply the result by 3")
    assert turns == [
        [("calculate", {"expression": "17 + 25"})],
        [("calculate", {"expression": "42 * 3"})],
    ]
    assert answer == "17 + 25 is 42. 42 * 3 is 126."


def test_units_carry_through_a_chain():
    turns, answer = converse("Convert 5 miles to km, then convert it to m")
    assert turns[1] == [("convert_units", {"value": 8.04672, "from_unit": "km", "to_unit": "m"})]
    assert answer == "5 miles is 8.04672 km. 8.04672 km is 8046.72 m."


def test_parallel_tool_calls_false_gives_one_call_a_turn():
    turns, answer = converse("What is 12 divided by 4, and 15% of 80?", parallel_tool_calls=False)
    assert [len(t) for t in turns] == [1, 1]
    assert answer == "12 / 4 is 3. 15% of 80 is 12."


def test_one_corrected_retry_when_the_error_says_how():
    turns, answer = converse("convert 10 kilometers to milles")
    assert [t[0][1]["to_unit"] for t in turns] == ["milles", "mi"]
    assert (
        answer
        == "10 kilometers is 6.21371192237334 mi (I used 'mi' for 'milles', as convert_units "
        "suggested)."
    )


def test_an_error_without_a_fix_is_reported_and_what_needs_it_is_not_called():
    turns, answer = converse("What is 1/0, then multiply it by 3")
    assert turns == [[("calculate", {"expression": "1 / 0"})]]
    assert answer.startswith(
        'I couldn\'t compute 1 / 0: calculate replied "Division by zero in 1 / 0."'
    )
    assert (
        'I couldn\'t do "multiply it by 3" because the step before it did not give a number.'
        in answer
    )


def test_what_cannot_be_mapped_is_declined_with_the_way_to_a_real_model():
    turns, answer = converse("What is 15% of 240 and tell me a joke")
    assert turns == [[("percentage", {"operation": "percent_of", "a": 15, "b": 240})]]
    assert answer.startswith(
        "15% of 240 is 36. I didn't answer \"tell me a joke\": I'm the offline NIM emulator"
    )
    assert answer.endswith(DECLINE_HINT)
    assert converse("hi")[1].startswith("Hello! I'm the offline NIM emulator")


def test_tool_choice_none_makes_no_call_and_says_why():
    turns, answer = converse("What is 15% of 240?", tool_choice="none")
    assert turns == [] and "tool_choice" in answer and "36" not in answer


def test_a_named_tool_choice_keeps_only_its_calls():
    body = {
        "messages": [{"role": "user", "content": "What is 2**100 and then convert 5 miles to km?"}],
        "tools": TOOLS,
        "tool_choice": {"type": "function", "function": {"name": "convert_units"}},
    }
    reply = auto_reply(body, ids=IdSource(0).tool_call_id)
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [
        ("convert_units", {"value": 5, "from_unit": "miles", "to_unit": "km"})
    ]


def test_history_with_calls_the_policy_did_not_make_gets_the_results_quoted():
    messages = [
        {"role": "user", "content": "What is 15% of 240?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "abcdefghi",
                    "type": "function",
                    "function": {"name": "calculate", "arguments": '{"expression": "0.15*240"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "abcdefghi", "content": "36.0"},
    ]
    reply = auto_reply({"messages": messages, "tools": TOOLS}, ids=IdSource(0).tool_call_id)
    assert reply.content == "Tool results: calculate returned 36.0."


def test_without_tools_the_echo_stays():
    reply = auto_reply(
        {"messages": [{"role": "user", "content": "hi"}]}, ids=IdSource(0).tool_call_id
    )
    assert reply.content == "You said: hi"


def test_a_long_document_with_a_question_at_the_end():
    text = "lorem ipsum dolor sit amet. " * 4000 + "What is 15% of 240?"  # about 112,000 characters
    turns, answer = converse(text)
    assert turns == [[("percentage", {"operation": "percent_of", "a": 15, "b": 240})]]
    assert answer.startswith(
        "15% of 240 is 36. I didn't answer \"lorem ipsum dolor sit amet. lorem"
    )


def _calls_made(text: str) -> int:
    """Python function calls the policy makes to answer ``text`` (a measure of work done)."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += event == "call"

    sys.setprofile(profile)
    try:
        auto_reply(
            {"messages": [{"role": "user", "content": text}], "tools": TOOLS},
            ids=IdSource(0).tool_call_id,
        )
    finally:
        sys.setprofile(None)
    return count


def test_work_grows_linearly_with_the_request():
    # Mixed text the policy has to read all of: numbers, names, operators, units, "and"s.
    piece = (
        "The 3 Alpha units cost 30 and 4 more, then + 2 * ( lorem and a mile in 3 hours to Paris. "
    )
    small, large = (_calls_made(piece * n) for n in (40, 160))
    assert 3.5 < large / small < 4.5, (small, large)
