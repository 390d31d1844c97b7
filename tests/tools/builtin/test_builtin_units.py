"""Unit conversion: every dimension, temperature, spellings, and errors that list valid units."""

import pytest

from nemotron_agents.tools.builtin.units import (
    DIMENSIONS,
    UnitError,
    convert,
    dimension_of,
    known_units,
)

approx = pytest.approx


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        # length
        (1, "mi", "km", 1.609344),
        (1, "km", "m", 1000.0),
        (12, "in", "ft", 1.0),
        (3, "ft", "yd", 1.0),
        (1, "m", "cm", 100.0),
        (5, "mm", "in", 5 / 25.4),
        (1, "nautical mile", "m", 1852.0),
        (1, "um", "nm", 1000.0),
        # mass
        (1, "kg", "lb", 2.2046226218487757),
        (16, "oz", "lb", 1.0),
        (1, "t", "kg", 1000.0),
        (500, "mg", "g", 0.5),
        (14, "lb", "st", 1.0),
        (1, "short ton", "lb", 2000.0),
        (1, "long ton", "lb", 2240.0),
        # time
        (1, "h", "min", 60.0),
        (1, "day", "s", 86400.0),
        (2, "week", "day", 14.0),
        (1, "year", "day", 365.25),
        (12, "month", "year", 1.0),
        (1500, "ms", "s", 1.5),
        # volume
        (1, "l", "ml", 1000.0),
        (1, "gal", "l", 3.785411784),
        (4, "qt", "gal", 1.0),
        (2, "pt", "qt", 1.0),
        (1, "cup", "fl oz", 8.0),
        (3, "tsp", "tbsp", 1.0),
        (1, "m3", "l", 1000.0),
        (1, "imperial gallon", "l", 4.54609),
        (1, "cc", "ml", 1.0),
        # speed
        (100, "km/h", "mph", 62.13711922373341),
        (1, "m/s", "km/h", 3.6),
        (60, "mph", "mi/h", 60.0),
        (1, "knot", "km/h", 1.852),
        (1, "ft/s", "m/s", 0.3048),
        # data size
        (1, "GB", "MB", 1000.0),
        (1, "GiB", "MiB", 1024.0),
        (1, "KiB", "B", 1024.0),
        (1, "GiB", "GB", 1.073741824),
        (8, "bit", "B", 1.0),
        (100, "Mbit", "MB", 12.5),
        (1, "TB", "GB", 1000.0),
        (1, "PiB", "TiB", 1024.0),
    ],
)
def test_conversions(value, src, dst, expected):
    result = convert(value, src, dst)
    assert result == approx(expected)
    assert isinstance(result, float)


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (0, "C", "F", 32.0),
        (100, "C", "F", 212.0),
        (212, "F", "C", 100.0),
        (-40, "C", "F", -40.0),
        (-40, "F", "C", -40.0),
        (0, "K", "C", -273.15),
        (300, "K", "F", 80.33),
        (98.6, "F", "K", 310.15),
        (25, "C", "K", 298.15),
        (0, "F", "C", -17.77777777777778),
        (-273.15, "C", "K", 0.0),
        (20, "C", "C", 20.0),
    ],
)
def test_temperature_is_affine(value, src, dst, expected):
    assert convert(value, src, dst) == approx(expected, abs=1e-9)


def test_round_trips():
    for dimension, symbols in known_units().items():
        for src in symbols:
            for dst in symbols:
                there = convert(37.5, src, dst)
                assert convert(there, dst, src) == approx(37.5), (dimension, src, dst)


def test_same_unit_gives_the_value_back_exactly():
    assert convert(0.1, "m", "m") == 0.1
    assert convert(0.1, "kph", "km/h") == 0.1
    assert convert(37.2, "celsius", "°C") == 37.2


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("m", "m"),
        ("meter", "m"),
        ("metres", "m"),
        ("Meters", "m"),
        ("METRE", "m"),
        ("km", "km"),
        ("kilometers", "km"),
        ("Kilometres", "km"),
        ("mi", "mi"),
        ("mile", "mi"),
        ("miles", "mi"),
        ("ft", "ft"),
        ("foot", "ft"),
        ("feet", "ft"),
        ("in", "in"),
        ("inch", "in"),
        ("inches", "in"),
        ("yards", "yd"),
        ("nautical miles", "nmi"),
        ("kg", "kg"),
        ("kilograms", "kg"),
        ("lb", "lb"),
        ("lbs", "lb"),
        ("pounds", "lb"),
        ("g", "g"),
        ("grams", "g"),
        ("oz", "oz"),
        ("ounces", "oz"),
        ("tonnes", "t"),
        ("s", "s"),
        ("sec", "s"),
        ("seconds", "s"),
        ("min", "min"),
        ("minutes", "min"),
        ("h", "h"),
        ("hr", "h"),
        ("hours", "h"),
        ("day", "day"),
        ("days", "day"),
        ("l", "l"),
        ("L", "l"),
        ("litres", "l"),
        ("liters", "l"),
        ("ml", "ml"),
        ("mL", "ml"),
        ("gal", "gal"),
        ("gallons", "gal"),
        ("cups", "cup"),
        ("fluid ounces", "fl oz"),
        ("km/h", "km/h"),
        ("kph", "km/h"),
        ("km / h", "km/h"),
        ("mph", "mph"),
        ("m/s", "m/s"),
        ("knots", "knot"),
        ("B", "B"),
        ("bytes", "B"),
        ("KB", "KB"),
        ("kB", "KB"),
        ("kb", "KB"),
        ("MB", "MB"),
        ("mb", "MB"),
        ("GB", "GB"),
        ("gigabytes", "GB"),
        ("KiB", "KiB"),
        ("MiB", "MiB"),
        ("GiB", "GiB"),
        ("gib", "GiB"),
        ("bits", "bit"),
        ("megabits", "Mbit"),
        ("C", "C"),
        ("c", "C"),
        ("°C", "C"),
        ("ºC", "C"),
        ("deg C", "C"),
        ("degrees Celsius", "C"),
        ("celsius", "C"),
        ("F", "F"),
        ("°F", "F"),
        ("Fahrenheit", "F"),
        ("degrees fahrenheit", "F"),
        ("K", "K"),
        ("kelvin", "K"),
        ("kelvins", "K"),
        ("  Km.  ", "km"),
    ],
)
def test_spellings_are_recognised(spelling, canonical):
    dimension = next(d for d, symbols in known_units().items() if canonical in symbols)
    assert dimension_of(spelling) == dimension
    # Converting to the canonical symbol is the identity, so the spelling maps to that unit.
    assert convert(3.0, spelling, canonical) == approx(3.0)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("miles per hour", 26.8224),
        ("miles/hour", 26.8224),
        ("mi / hr", 26.8224),
        ("kilometers per hour", 16.666666666666668),
        ("feet per second", 18.288),
        ("yd/min", 0.9144),
    ],
)
def test_any_length_over_time_is_a_speed(src, expected):
    assert dimension_of(src) == "speed"
    assert convert(60, src, "m/s") == approx(expected)


# --- errors -----------------------------------------------------------------------------------


def test_unit_error_is_a_value_error():
    assert issubclass(UnitError, ValueError)


def test_unknown_unit_lists_units_of_the_other_sides_dimension():
    with pytest.raises(UnitError) as info:
        convert(1, "furlong", "m")
    message = str(info.value)
    assert message.startswith("Unknown unit 'furlong' for from_unit.")
    assert "Known length units: nm, um, mm, cm, m, km, in, ft, yd, mi, nmi." in message
    assert "mass" not in message
    assert "plurals" in message


def test_unknown_target_unit_lists_units_of_the_source_dimension():
    with pytest.raises(UnitError, match="Unknown unit 'slugs' for to_unit") as info:
        convert(1, "kg", "slugs")
    assert "Known mass units: mg, g, kg, t, oz, lb, st" in str(info.value)


def test_unknown_unit_suggests_a_close_match():
    with pytest.raises(UnitError, match="Did you mean 'lb'"):
        convert(5, "kg", "lbz")
    with pytest.raises(UnitError, match="Did you mean 'km'"):
        convert(5, "kilometr", "m")


def test_unrecognised_units_on_both_sides_list_every_dimension():
    with pytest.raises(UnitError) as info:
        convert(1, "furlong", "parsec")
    message = str(info.value)
    for dimension in DIMENSIONS:
        assert f"{dimension}: " in message
    assert "temperature: C, F, K" in message
    assert "data size: bit, kbit, Mbit, Gbit, Tbit, Pbit, B, KB, MB" in message


def test_incompatible_dimensions_name_both():
    with pytest.raises(UnitError) as info:
        convert(1, "m", "kg")
    message = str(info.value)
    assert "Cannot convert length (m) to mass (kg)" in message
    assert "Known length units:" in message


@pytest.mark.parametrize(
    ("src", "dst", "dims"),
    [
        ("C", "km", ("temperature", "length")),
        ("GB", "s", ("data size", "time")),
        ("mph", "h", ("speed", "time")),
        ("l", "kg", ("volume", "mass")),
        ("oz", "fl oz", ("mass", "volume")),
    ],
)
def test_every_incompatible_pair_is_refused(src, dst, dims):
    with pytest.raises(UnitError, match=f"Cannot convert {dims[0]} .* to {dims[1]}"):
        convert(1, src, dst)


@pytest.mark.parametrize(
    ("unit", "match"),
    [
        ("Mb", "'Mb' could mean bits or bytes; use 'MB' for bytes or 'Mbit' for bits"),
        ("Gb", "use 'GB' for bytes or 'Gbit' for bits"),
        ("Kb", "use 'KB' for bytes or 'Kbit' for bits"),
        ("b", "'b' could mean bits or bytes"),
        ("ton", "'ton' could mean a metric tonne"),
        ("Tons", "use 'tonne', 'short ton' or 'long ton'"),
    ],
)
def test_ambiguous_units_are_refused_with_alternatives(unit, match):
    with pytest.raises(UnitError, match=match) as info:
        convert(1, unit, "kg")
    assert str(info.value).startswith("Ambiguous unit: ")


@pytest.mark.parametrize("prefix", ["K", "M", "G", "T", "P"])
def test_suggested_replacements_for_ambiguous_units_work(prefix):
    assert dimension_of(f"{prefix}B") == dimension_of(f"{prefix}bit") == "data size"
    assert convert(1, f"{prefix}bit", f"{prefix}B") == approx(1 / 8)


def test_below_absolute_zero_is_refused():
    with pytest.raises(UnitError, match=r"-300 C is below absolute zero \(-273.15 C\)"):
        convert(-300, "C", "K")
    with pytest.raises(UnitError, match=r"below absolute zero \(-459.67 F\)"):
        convert(-500, "F", "C")
    with pytest.raises(UnitError, match=r"below absolute zero \(0 K\)"):
        convert(-1, "K", "C")


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("5", "value must be a number, got str"),
        (None, "got NoneType"),
        (True, "got bool"),
        (float("nan"), "finite"),
        (float("-inf"), "finite"),
    ],
)
def test_bad_values(value, match):
    with pytest.raises(UnitError, match=match):
        convert(value, "m", "km")


def test_a_result_past_the_float_range_is_refused_with_what_to_do():
    with pytest.raises(UnitError, match=r"1e\+308 km in nm is too large.*a larger unit than nm"):
        convert(1e308, "km", "nm")
    with pytest.raises(UnitError, match="too large for a floating-point number"):
        convert(10**400, "km", "m")


@pytest.mark.parametrize("unit", ["", "   ", None, 5])
def test_bad_unit_arguments(unit):
    with pytest.raises(UnitError, match="from_unit must be a unit name"):
        convert(1, unit, "m")


def test_known_units_covers_every_dimension():
    units = known_units()
    assert tuple(units) == DIMENSIONS
    assert set(DIMENSIONS) == {
        "length",
        "mass",
        "time",
        "volume",
        "speed",
        "data size",
        "temperature",
    }
    assert known_units("temperature") == {"temperature": ["C", "F", "K"]}
