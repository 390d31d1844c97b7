"""Unit conversion from a table: length, mass, time, volume, speed, data size, temperature.

Each unit is a factor to its dimension's base unit (metre, kilogram, second, litre, metre per
second, byte); temperature is affine and goes through kelvin. Names, symbols and plurals are
matched case-insensitively, ignoring spaces, dots and a leading "degrees"/"°"
(``"km/h"``, ``"Kilometres per hour"``, ``"°F"``, ``"deg C"``).

Conventions, chosen to be the common reading and stated in the tool description:

* ``KB``/``MB``/``GB``/``TB`` are decimal (1000-based, SI); ``KiB``/``MiB``/``GiB``/``TiB``
  are 1024-based. Bits are spelled out (``bit``, ``kbit``, ``Mbit``, ``megabit``...).
  ``b``, ``Kb``, ``Mb``, ``Gb``, ``Tb`` are refused as ambiguous between bits and bytes.
* ``gallon``, ``quart``, ``pint``, ``cup``, ``fl oz`` are US customary; imperial ones are
  ``imperial gallon`` etc. ``ton`` is refused as ambiguous; use ``tonne`` (metric),
  ``short ton`` or ``long ton``.
* ``year`` is the Julian year (365.25 days); ``month`` is a twelfth of it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DIMENSIONS", "UnitError", "convert", "dimension_of", "find_dimension", "known_units"]


class UnitError(ValueError):
    """A unit is unknown, ambiguous or of the wrong dimension; the message is for the model."""


@dataclass(frozen=True)
class _Unit:
    symbol: str  # canonical spelling, used in messages
    dimension: str
    factor: float  # base units per one of this unit (unused for temperature)


# dimension -> [(factor to base unit, canonical symbol, other spellings...)]. Plurals of
# spelled-out names are added automatically (see _plurals); list irregular ones explicitly.
_TABLE: dict[str, list[tuple[float, str, tuple[str, ...]]]] = {
    "length": [
        (1e-9, "nm", ("nanometer", "nanometre")),
        (1e-6, "um", ("µm", "μm", "micrometer", "micrometre", "micron")),
        (1e-3, "mm", ("millimeter", "millimetre")),
        (1e-2, "cm", ("centimeter", "centimetre")),
        (1.0, "m", ("meter", "metre")),
        (1e3, "km", ("kilometer", "kilometre")),
        (0.0254, "in", ("inch", "inches")),
        (0.3048, "ft", ("foot", "feet")),
        (0.9144, "yd", ("yard",)),
        (1609.344, "mi", ("mile",)),
        (1852.0, "nmi", ("nautical mile",)),
    ],
    "mass": [
        (1e-6, "mg", ("milligram",)),
        (1e-3, "g", ("gram", "gramme")),
        (1.0, "kg", ("kilogram", "kilo")),
        (1e3, "t", ("tonne", "metric ton")),
        (0.028349523125, "oz", ("ounce",)),
        (0.45359237, "lb", ("lbs", "pound")),
        (6.35029318, "st", ("stone",)),
        (907.18474, "short ton", ("us ton",)),
        (1016.0469088, "long ton", ("imperial ton", "uk ton")),
    ],
    "time": [
        (1e-9, "ns", ("nanosecond",)),
        (1e-6, "us", ("µs", "μs", "microsecond")),
        (1e-3, "ms", ("millisecond",)),
        (1.0, "s", ("sec", "secs", "second")),
        (60.0, "min", ("mins", "minute")),
        (3600.0, "h", ("hr", "hrs", "hour")),
        (86400.0, "day", ("d",)),
        (604800.0, "week", ("wk", "wks")),
        (2629800.0, "month", ("mo",)),  # 1/12 Julian year
        (31557600.0, "year", ("yr", "yrs")),  # Julian year, 365.25 days
    ],
    "volume": [
        (
            1e-3,
            "ml",
            (
                "milliliter",
                "millilitre",
                "cm3",
                "cm^3",
                "cc",
                "cubic centimeter",
                "cubic centimetre",
            ),
        ),
        (1e-2, "cl", ("centiliter", "centilitre")),
        (1e-1, "dl", ("deciliter", "decilitre")),
        (1.0, "l", ("liter", "litre")),
        (1e3, "m3", ("m^3", "cubic meter", "cubic metre")),
        (0.00492892159375, "tsp", ("teaspoon",)),
        (0.01478676478125, "tbsp", ("tablespoon",)),
        (0.0295735295625, "fl oz", ("fluid ounce", "us fluid ounce")),
        (0.2365882365, "cup", ("us cup",)),
        (0.473176473, "pt", ("pint", "us pint")),
        (0.946352946, "qt", ("quart", "us quart")),
        (3.785411784, "gal", ("gallon", "us gallon", "us gal")),
        (0.56826125, "imperial pint", ("uk pint", "imp pt")),
        (4.54609, "imperial gallon", ("uk gallon", "imp gal")),
    ],
    "speed": [
        # Any "<length>/<time>" or "<length> per <time>" also works (see _find).
        (1.0, "m/s", ("mps",)),
        (1000 / 3600, "km/h", ("kph", "kmh", "kmph")),
        (1609.344 / 3600, "mph", ("mi/h",)),
        (0.3048, "ft/s", ("fps",)),
        (1852 / 3600, "knot", ("kn", "kt", "kts")),
    ],
    "data size": [
        (1 / 8, "bit", ()),
        (1e3 / 8, "kbit", ("kilobit",)),
        (1e6 / 8, "Mbit", ("megabit",)),
        (1e9 / 8, "Gbit", ("gigabit",)),
        (1e12 / 8, "Tbit", ("terabit",)),
        (1e15 / 8, "Pbit", ("petabit",)),
        (1.0, "B", ("byte",)),
        (1e3, "KB", ("kilobyte",)),
        (1e6, "MB", ("megabyte",)),
        (1e9, "GB", ("gigabyte",)),
        (1e12, "TB", ("terabyte",)),
        (1e15, "PB", ("petabyte",)),
        (2.0**10, "KiB", ("kibibyte",)),
        (2.0**20, "MiB", ("mebibyte",)),
        (2.0**30, "GiB", ("gibibyte",)),
        (2.0**40, "TiB", ("tebibyte",)),
        (2.0**50, "PiB", ("pebibyte",)),
    ],
    "temperature": [
        # Affine, converted through Celsius (_TO_CELSIUS); the factor is unused.
        (math.nan, "C", ("celsius", "centigrade")),
        (math.nan, "F", ("fahrenheit",)),
        (math.nan, "K", ("kelvin",)),
    ],
}

#: Dimension names, in the order they are listed in messages.
DIMENSIONS: tuple[str, ...] = tuple(_TABLE)

# Spellings that mean different units to different people: refused with a suggestion. Matched
# case-sensitively, before the case-insensitive lookup ("MB" and "mb" are megabytes).
_AMBIGUOUS = {
    "b": "'b' could mean bits or bytes; use 'B' or 'byte' for bytes, 'bit' for bits",
    **{
        f"{p}b": f"'{p}b' could mean bits or bytes; use '{p}B' for bytes or '{p}bit' for bits"
        for p in ("K", "M", "G", "T", "P")
    },
}
_AMBIGUOUS_ANY_CASE = {
    "ton": "'ton' could mean a metric tonne (1000 kg), a US short ton or a UK long ton; "
    "use 'tonne', 'short ton' or 'long ton'",
    "tons": "'tons' could mean metric tonnes, US short tons or UK long tons; "
    "use 'tonne', 'short ton' or 'long ton'",
}

# Temperature conversions through Celsius; (F - 32) * 5 / 9 keeps 212 F -> 100 C exact.
_TO_CELSIUS: dict[str, Callable[[float], float]] = {
    "C": lambda v: v,
    "F": lambda v: (v - 32) * 5 / 9,
    "K": lambda v: v - 273.15,
}
_FROM_CELSIUS: dict[str, Callable[[float], float]] = {
    "C": lambda c: c,
    "F": lambda c: c * 9 / 5 + 32,
    "K": lambda c: c + 273.15,
}
_ABSOLUTE_ZERO = {"C": -273.15, "F": -459.67, "K": 0.0}


def _key(text: str) -> str:
    """Normalise a spelling: lower case, single spaces, no dots or degree words, "per" as "/"."""
    key = " ".join(text.strip().lower().replace(".", "").split())
    key = re.sub(r"^(degrees?|deg|°|º)\s*", "", key)
    key = re.sub(r"\s+per\s+", "/", key)
    return re.sub(r"\s*/\s*", "/", key)


def _plurals(name: str) -> tuple[str, ...]:
    # "day" -> "days", "nautical mile" -> "nautical miles"; short symbols ("kg") get none.
    if len(name) < 3 or name.endswith("s") or not name.replace(" ", "").isalpha():
        return ()
    return (name + "s",)


def _build() -> dict[str, _Unit]:
    index: dict[str, _Unit] = {}
    for dimension, rows in _TABLE.items():
        for factor, symbol, others in rows:
            unit = _Unit(symbol, dimension, factor)
            for spelling in (symbol, *others):
                for variant in (spelling, *_plurals(spelling)):
                    key = _key(variant)
                    if index.get(key, unit) != unit:  # a mistake in _TABLE, caught at import
                        raise ValueError(f"unit spelling {key!r} used twice")
                    index[key] = unit
    return index


_INDEX = _build()


def known_units(dimension: str | None = None) -> dict[str, list[str]]:
    """Canonical symbols of every unit, by dimension (or of one dimension).

    Args:
        dimension: One of :data:`DIMENSIONS`, or ``None`` for all.
    """
    dims = DIMENSIONS if dimension is None else (dimension,)
    return {d: [row[1] for row in _TABLE[d]] for d in dims}


def _find(key: str) -> _Unit | None:
    unit = _INDEX.get(key)
    if unit is None and key.count("/") == 1:  # "miles/hour", "km per s": length over time
        length, time = (_INDEX.get(part) for part in key.split("/"))
        if length and time and (length.dimension, time.dimension) == ("length", "time"):
            unit = _Unit(f"{length.symbol}/{time.symbol}", "speed", length.factor / time.factor)
    return unit


def _listing(dimension: str | None = None) -> str:
    if dimension is not None:
        return ", ".join(known_units(dimension)[dimension])
    return "; ".join(f"{d}: {', '.join(symbols)}" for d, symbols in known_units().items())


def _lookup(text: object, role: str, other: object = None) -> _Unit:
    if not isinstance(text, str) or not text.strip():
        raise UnitError(f"{role} must be a unit name such as 'km' or 'pound', got {text!r}.")
    raw = text.strip()
    if raw in _AMBIGUOUS:
        raise UnitError(f"Ambiguous unit: {_AMBIGUOUS[raw]}.")
    key = _key(raw)
    if key in _AMBIGUOUS_ANY_CASE:
        raise UnitError(f"Ambiguous unit: {_AMBIGUOUS_ANY_CASE[key]}.")
    unit = _find(key)
    if unit is not None:
        return unit
    # Unknown: list the units of the other side's dimension when that one is known.
    other_unit = _find(_key(other)) if isinstance(other, str) else None
    close = difflib.get_close_matches(key, list(_INDEX), n=1, cutoff=0.75)
    hint = f" Did you mean '{_INDEX[close[0]].symbol}'?" if close else ""
    if other_unit is not None:
        known = f"Known {other_unit.dimension} units: {_listing(other_unit.dimension)}"
    else:
        known = f"Known units: {_listing()}"
    raise UnitError(
        f"Unknown unit {text!r} for {role}.{hint} {known}. "
        "Full names and plurals (e.g. 'kilometers', 'pounds') also work."
    )


def find_dimension(unit: object) -> str | None:
    """The dimension of a known, unambiguous unit, else ``None``.

    Unlike :func:`dimension_of` it never raises and builds no suggestion, so trying many words
    that are not units stays cheap.
    """
    if not isinstance(unit, str) or unit.strip() in _AMBIGUOUS:
        return None
    key = _key(unit)
    found = None if key in _AMBIGUOUS_ANY_CASE else _find(key)
    return found.dimension if found is not None else None


def dimension_of(unit: str) -> str:
    """The dimension of a unit, e.g. ``dimension_of("mph") == "speed"``.

    Raises:
        UnitError: The unit is unknown or ambiguous.
    """
    return _lookup(unit, "unit").dimension


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert ``value`` from one unit to another of the same dimension.

    Args:
        value: The amount, in ``from_unit``.
        from_unit: Unit of ``value``, e.g. ``"mi"``, ``"pounds"``, ``"°F"``, ``"GiB"``.
        to_unit: Unit wanted, of the same dimension.

    Returns:
        The amount in ``to_unit``, as a float.

    Raises:
        UnitError: A unit is unknown or ambiguous (the message lists the known units), the
            two units measure different things (the message names both dimensions), the
            value is not a finite number, a temperature is below absolute zero, or the result
            overflows a float.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UnitError(f"value must be a number, got {type(value).__name__}.")
    try:
        value = float(value)
    except OverflowError:  # an int past the float range
        raise UnitError(
            "value is too large for a floating-point number (about 1.8e308 at most)."
        ) from None
    if not math.isfinite(value):
        raise UnitError(f"value must be a finite number, got {value!r}.")
    src = _lookup(from_unit, "from_unit", to_unit)
    dst = _lookup(to_unit, "to_unit", from_unit)
    if src.dimension != dst.dimension:
        raise UnitError(
            f"Cannot convert {src.dimension} ({src.symbol}) to {dst.dimension} ({dst.symbol}): "
            f"the units measure different things. Known {src.dimension} units: "
            f"{_listing(src.dimension)}."
        )
    if src.dimension == "temperature":
        result = _convert_temperature(value, src.symbol, dst.symbol)
    else:
        # Ratio first, so converting to the same unit gives exactly the value back.
        result = value * (src.factor / dst.factor)
    if not math.isfinite(result):
        instead = (
            "a smaller value"
            if src.dimension == "temperature"
            else (f"a smaller value or a larger unit than {dst.symbol}")
        )
        raise UnitError(
            f"{value:g} {src.symbol} in {dst.symbol} is too large: it overflows a floating-point "
            f"number (about 1.8e308 at most). Use {instead}."
        )
    return result


def _convert_temperature(value: float, src: str, dst: str) -> float:
    if value < _ABSOLUTE_ZERO[src]:
        raise UnitError(
            f"{value:g} {src} is below absolute zero ({_ABSOLUTE_ZERO[src]:g} {src}); "
            "check the value and unit."
        )
    if src == dst:
        return value
    return _FROM_CELSIUS[dst](_TO_CELSIUS[src](value))
