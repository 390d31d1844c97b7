"""wire_name: names NIM accepts."""

import re

import pytest

from nemotron_agents.errors import ToolDefinitionError
from nemotron_agents.tools import wire_name

NIM_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@pytest.mark.parametrize(
    ("source", "wire"),
    [
        ("get_weather", "get_weather"),
        ("lookup-city", "lookup-city"),
        ("math.factorial", "math_factorial"),
        ("geo.distance/km v2", "geo_distance_km_v2"),
        ("café", "caf_"),
    ],
)
def test_invalid_characters_become_underscores(source, wire):
    assert wire_name(source) == wire


def test_long_names_are_cut_with_a_hash_that_keeps_them_apart():
    a, b = "x" * 70 + ".alpha", "x" * 70 + ".beta"
    assert len(wire_name(a)) == len(wire_name(b)) == 64
    assert wire_name(a) != wire_name(b)
    assert wire_name(a) == wire_name(a)  # stable
    assert all(NIM_NAME.match(wire_name(n)) for n in (a, b))
    assert wire_name("y" * 64) == "y" * 64


def test_empty_name_is_rejected_with_the_rule():
    with pytest.raises(ToolDefinitionError, match=r"\^\[a-zA-Z0-9_-\]\{1,64\}\$"):
        wire_name("")
