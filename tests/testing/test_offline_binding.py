"""The offline policy's binding: tools by shape, arguments by meaning, and retries from errors."""

from __future__ import annotations

import pytest

from nemotron_agents.testing.emulator.offline.binding import bind_arguments, pick_tool
from nemotron_agents.testing.emulator.offline.cursor import Cursor
from nemotron_agents.testing.emulator.offline.grammar import read_intent
from nemotron_agents.testing.emulator.offline.lexer import tokenize
from nemotron_agents.testing.emulator.offline.offered import read_tools
from nemotron_agents.testing.emulator.offline.retry import correct, looks_like_error
from nemotron_agents.testing.emulator.offline.shapes import Prepared, Previous, is_shaped, prepare
from nemotron_agents.testing.emulator.offline.words import WordIndex, content_words


def fn(name: str, description: str, properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required or list(properties),
            },
        },
    }


NUMBER = {"type": "number"}
PRICE = fn(
    "price_per_unit",
    "Price of one unit, given the total price and the number of units.",
    {
        "total": {
            "type": "number",
            "description": "Total price paid for all the units, in dollars.",
        },
        "units": {"type": "integer", "description": "How many units were bought."},
    },
)
BOOK = fn(
    "book_table",
    "Book a table at a restaurant.",
    {
        "restaurant": {"type": "string", "description": "Name of the restaurant."},
        "party_size": {"type": "integer", "description": "Number of people."},
        "date": {"type": "string", "description": "Date, YYYY-MM-DD."},
        "time": {"type": "string", "description": "Time, 24-hour HH:MM."},
    },
)


def call(tool: dict, text: str):
    tools = read_tools({"tools": [tool]})
    picked = pick_tool(WordIndex(content_words(text)), tools)
    assert picked is not None, "tool not named"
    use = bind_arguments(picked, tokenize(text), text)
    return use if isinstance(use, str) else use.args


def prepared(tools: list[dict], text: str, previous: Previous | None = None):
    found = read_intent(Cursor(tokenize(text)), has_prev=previous is not None)
    return prepare(found, read_tools({"tools": tools}), previous)


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("If 12 units cost 30 dollars, what is the price per unit?", {"total": 30, "units": 12}),
        ("What is the price per unit if 12 units cost $30?", {"total": 30, "units": 12}),
        ("Price per unit: 8 units for $20", {"total": 20, "units": 8}),
        # "boxes" is no cue for units, but it is the one number left once $12 is the total
        ("What's the price per unit if 3 boxes cost $12?", {"total": 12, "units": 3}),
    ],
)
def test_numbers_go_where_their_words_say_not_by_position(text, args):
    assert call(PRICE, text) == args


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("price per unit for 12 and 30", "values do not fit"),  # no cue either way
        ("What is the price per unit?", "nothing in the request"),
        ("price per unit: 4 units cost 10 dollars, 5 units cost 20 dollars", "does not fit"),
    ],
)
def test_unclear_numbers_are_not_bound(text, why):
    assert why in call(PRICE, text)


def test_booking_arguments_by_kind_and_cue():
    assert call(BOOK, "Book a table at Chez Paul for 4 people on 2025-03-14 at 7pm") == {
        "restaurant": "Chez Paul",
        "party_size": 4,
        "date": "2025-03-14",
        "time": "19:00",
    }
    assert "not fixed by the text" in call(
        BOOK, "Book a table at Chez Paul for 4 people tomorrow at 7pm"
    )
    assert "no time is given" in call(
        BOOK, "Book a table at Chez Paul for 4 people on 2025-03-14 at 7"
    )
    assert "two bindings" in call(
        BOOK, "Book a table at Chez Paul and at Sakura for 2 on 2025-03-14 at 7pm"
    )


def test_words_no_parameter_takes_are_kept_for_the_answer():
    tools = read_tools({"tools": [BOOK]})
    text = "Book a table at Chez Paul for 4 people on 2025-03-14 at 7pm, with outdoor seating"
    assert bind_arguments(tools[0], tokenize(text), text).unused == ("outdoor seating",)
    plain = "Please book a table at Chez Paul for 4 people on 2025-03-14 at 7pm, thanks!"
    assert bind_arguments(tools[0], tokenize(plain), plain).unused == ()


def test_leftover_names_must_qualify_a_bound_one():
    weather = fn(
        "get_weather",
        "Weather in a city.",
        {"city": {"type": "string", "description": "The city."}},
    )
    assert call(weather, "What's the weather in Paris, France?") == {"city": "Paris"}
    assert "does not fit" in call(weather, "weather in Paris or Rome")


def test_percentages_need_the_description_to_say_how_they_are_written():
    def rate(description: str) -> dict:
        return fn(
            "compound_interest",
            "Interest.",
            {"principal": NUMBER, "rate": {"type": "number", "description": description}},
        )

    text = "compound interest on a principal of $5000 at a rate of 5%"
    assert call(rate("Annual rate in percent."), text) == {"principal": 5000, "rate": 5}
    assert call(rate("Annual rate as a decimal, e.g. 0.05."), text) == {
        "principal": 5000,
        "rate": 0.05,
    }
    assert "does not say whether it takes 5 or 0.05" in call(rate("The annual rate."), text)


def test_a_call_leaving_out_what_the_request_asks_for_is_refused():
    speed = fn(
        "calculate_speed",
        "Speed from distance and time.",
        {
            "distance": {"type": "integer", "description": "Distance in meters."},
            "time": {"type": "integer", "description": "Time in seconds."},
            "to_unit": {"type": "string", "description": "Unit of the result, default m/s."},
        },
        ["distance", "time"],
    )
    text = "calculate the speed of a car that traveled 450 meters in 20 seconds, in km/h"
    assert "says something about to_unit" in call(speed, text)
    find = fn(
        "find_restaurant",
        "Find a restaurant.",
        {"city": {"type": "string"}, "diet": {"type": "string", "enum": ["vegan", "halal"]}},
        ["city"],
    )
    assert call(find, "find a vegan restaurant in Oslo") == {"city": "Oslo", "diet": "vegan"}
    assert "says something about diet" in call(
        find, "find a restaurant in Oslo with vegan and halal food"
    )


def test_free_text_is_what_follows_the_tool_name():
    note = fn("save_note", "Save a note.", {"text": {"type": "string"}})
    assert call(note, "save a note: buy milk today") == {"text": "buy milk today"}
    search = fn(
        "search_docs",
        "Search.",
        {"query": {"type": "string"}, "limit": {"type": "integer"}},
        ["query"],
    )
    assert call(search, 'search the docs for "retry policy" please') == {"query": "retry policy"}


def test_enum_values_must_be_mentioned():
    tool = fn("set_mode", "Set the mode.", {"mode": {"type": "string", "enum": ["eco", "sport"]}})
    assert call(tool, "set mode to sport") == {"mode": "sport"}
    assert "none of the values of mode" in call(tool, "set mode please")


def test_a_tool_is_picked_only_when_its_name_is_said():
    tools = read_tools({"tools": [PRICE, BOOK]})
    assert pick_tool(WordIndex(content_words("book a table for two")), tools).name == "book_table"
    assert pick_tool(WordIndex(content_words("I need a table for two")), tools) is None


def test_percent_parameters_bound_from_the_descriptions_mode_by_mode():
    described = fn(
        "percentage",
        "Compute a percent of b or the change from a to b.",
        {
            "operation": {"type": "string", "enum": ["percent_of", "percent_change"]},
            "a": NUMBER,
            "b": NUMBER,
        },
    )
    assert prepared([described], "What is 15% of 240?").args == {
        "operation": "percent_of",
        "a": 15,
        "b": 240,
    }
    assert prepared([described], "percent change from 50 to 75").args == {
        "operation": "percent_change",
        "a": 50,
        "b": 75,
    }
    # Named the other way round, the same words bind the other way round.
    swapped = fn(
        "percentage",
        "Compute b percent of a, or the change from b to a.",
        {
            "operation": {"type": "string", "enum": ["percent_of", "percent_change"]},
            "a": NUMBER,
            "b": NUMBER,
        },
    )
    assert prepared([swapped], "What is 15% of 240?").args == {
        "operation": "percent_of",
        "a": 240,
        "b": 15,
    }
    silent = fn(
        "percentage",
        "Percentages.",
        {"operation": {"type": "string", "enum": ["percent_of"]}, "a": NUMBER, "b": NUMBER},
    )
    assert isinstance(prepared([silent], "What is 15% of 240?"), str)  # no way to tell: no call


def test_operation_tools_and_their_order():
    multiply = fn("multiply", "Multiply two numbers.", {"a": NUMBER, "b": NUMBER})
    assert prepared([multiply], "multiply 6 by 7").args == {"a": 6, "b": 7}
    divide = fn("divide", "Divide.", {"dividend": NUMBER, "divisor": NUMBER})
    assert prepared([divide], "divide 1 by 8").args == {"dividend": 1, "divisor": 8}
    spelled = fn("subtract", "Return x minus y.", {"y": NUMBER, "x": NUMBER})
    assert prepared([spelled], "subtract 5 from 12").args == {"y": 5, "x": 12}
    unclear = fn("subtract", "Subtract two numbers.", {"a": NUMBER, "b": NUMBER})
    assert not is_shaped(read_tools({"tools": [unclear]})[0])
    assert isinstance(prepared([unclear], "subtract 5 from 12"), str)


def test_conversion_tools_with_unit_enums():
    convert = fn(
        "convert",
        "Convert a length.",
        {
            "amount": NUMBER,
            "source": {"type": "string", "enum": ["m", "km", "mi"]},
            "target": {"type": "string", "enum": ["m", "km", "mi"]},
        },
    )
    assert prepared([convert], "Convert 5 miles to kilometres").args == {
        "amount": 5,
        "source": "mi",
        "target": "km",
    }
    assert isinstance(prepared([convert], "Convert 5 feet to km"), str)  # feet is not offered
    assert prepared([convert], "then convert it to m", Previous("8.04672", "km")).args == {
        "amount": 8.04672,
        "source": "km",
        "target": "m",
    }


def test_errors_are_recognised():
    assert looks_like_error("Unknown unit 'milles' for to_unit.")
    assert looks_like_error("Invalid arguments for tool 'book_table': ...")
    assert looks_like_error("Tool 'x' failed: RuntimeError: boom")
    assert not looks_like_error("Booked a table for 2 at Sakura.")


def test_retry_only_when_the_error_names_the_fix():
    convert = Prepared("convert_units", {"value": 10, "from_unit": "km", "to_unit": "milles"})
    fixed, fix = correct(
        convert, "Unknown unit 'milles' for to_unit. Did you mean 'mi'? Known length units: ..."
    )
    assert fixed.args["to_unit"] == "mi" and (fix.param, fix.old, fix.new) == (
        "to_unit",
        "milles",
        "mi",
    )
    booking = Prepared("book_table", {"restaurant": "Chez Pol", "party_size": 2})
    listed = (
        "Unknown restaurant 'Chez Pol'. Available restaurants: 'Chez Paul', 'Sakura', "
        "'Trattoria Luigi'."
    )
    assert correct(booking, listed)[0].args["restaurant"] == "Chez Paul"
    tons = Prepared("convert_units", {"value": 3, "from_unit": "tons", "to_unit": "kg"})
    ambiguous = "Ambiguous unit: 'tons' could mean ...; use 'tonne', 'short ton' or 'long ton'."
    assert correct(tons, ambiguous) is None  # three choices, none close: a guess
    assert (
        correct(Prepared("calculate", {"expression": "1 / 0"}), "Division by zero in 1 / 0.")
        is None
    )
