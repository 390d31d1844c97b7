"""Safe arithmetic for model-written expressions: parsed with :mod:`ast`, never ``eval``.

:func:`evaluate` walks the tree of ``ast.parse(expression, mode="eval")`` and accepts only
numbers, ``+ - * / // % **``, unary ``+``/``-``, parentheses, and the functions and constants in
:data:`ALLOWED_FUNCTIONS` / :data:`ALLOWED_CONSTANTS`. Everything else (names, attributes,
strings, lambdas, comprehensions, comparisons, bit operations…) is refused.

Every cost is bounded before it is paid: expression length, nesting depth, exponent size,
estimated result digits and factorial argument. So ``9**9**9`` or ``factorial(10**6)`` fail at
once with a :class:`CalculatorError` instead of hanging the agent.

Error messages are written for the model: they name what is wrong and what is allowed.

Two deliberate choices:

* ``^`` is refused with a hint to use ``**``. Models often mean power by it, but in Python it
  is XOR; guessing either way would silently give a wrong number for somebody.
* ``round`` rounds halves away from zero on the decimal value shown (``round(2.5) == 3``,
  ``round(2.675, 2) == 2.68``), as a calculator does, not Python's banker's rounding on the
  binary float.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

__all__ = [
    "ALLOWED_CONSTANTS",
    "ALLOWED_FUNCTIONS",
    "ALLOWED_SUMMARY",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_FACTORIAL",
    "MAX_LENGTH",
    "CalculatorError",
    "evaluate",
    "percent_change",
    "percent_of",
]

Number = int | float

#: Default limits; each is a keyword-only option of :func:`evaluate`.
MAX_LENGTH = 500
MAX_DEPTH = 50
MAX_EXPONENT = 10_000
MAX_DIGITS = 1_000
MAX_FACTORIAL = 400  # 400! has 869 digits, so it stays under MAX_DIGITS


class CalculatorError(ValueError):
    """An expression or argument the calculator refuses; the message is written for the model."""


@dataclass(frozen=True)
class _Function:
    impl: Callable[..., Number]
    min_args: int
    max_args: int | None  # None: any number
    usage: str


@dataclass(frozen=True)
class _Limits:
    length: int
    depth: int
    exponent: int
    digits: int
    factorial: int


def _round(x: Number, ndigits: Number | None = None) -> Number:
    # Round halves away from zero on the shortest decimal repr of x (what the user sees).
    if ndigits is not None:
        if isinstance(ndigits, float):
            if not ndigits.is_integer():
                raise CalculatorError(f"round() needs a whole number of digits, got {ndigits!r}.")
            ndigits = int(ndigits)
        if abs(ndigits) > 100:
            raise CalculatorError(f"round() digits must be between -100 and 100, got {ndigits}.")
    places = 0 if ndigits is None else ndigits
    with localcontext() as ctx:
        ctx.prec = 5_000  # enough for any float and any int within MAX_DIGITS
        d = Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
        try:
            q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # more digits than the context holds: nothing to round
            return x
    if ndigits is None or isinstance(x, int):
        return int(q)
    return float(q)


def _min(*args: Number) -> Number:
    return min(args)


def _max(*args: Number) -> Number:
    return max(args)


def _log(x: Number, base: Number | None = None) -> float:
    return math.log(x) if base is None else math.log(x, base)


#: name -> function; trigonometric functions take radians.
_FUNCTIONS: dict[str, _Function] = {
    "abs": _Function(abs, 1, 1, "abs(x)"),
    "ceil": _Function(math.ceil, 1, 1, "ceil(x)"),
    "cos": _Function(math.cos, 1, 1, "cos(x) with x in radians"),
    "exp": _Function(math.exp, 1, 1, "exp(x)"),
    "factorial": _Function(math.factorial, 1, 1, "factorial(n)"),  # argument checked separately
    "floor": _Function(math.floor, 1, 1, "floor(x)"),
    "log": _Function(_log, 1, 2, "log(x) for the natural log, or log(x, base)"),
    "log10": _Function(math.log10, 1, 1, "log10(x)"),
    "max": _Function(_max, 1, None, "max(a, b, ...)"),
    "min": _Function(_min, 1, None, "min(a, b, ...)"),
    "round": _Function(_round, 1, 2, "round(x) or round(x, ndigits)"),
    "sin": _Function(math.sin, 1, 1, "sin(x) with x in radians"),
    "sqrt": _Function(math.sqrt, 1, 1, "sqrt(x)"),
    "tan": _Function(math.tan, 1, 1, "tan(x) with x in radians"),
}

_CONSTANTS: dict[str, float] = {"e": math.e, "pi": math.pi}

#: Names of the functions and constants an expression may use.
ALLOWED_FUNCTIONS: tuple[str, ...] = tuple(sorted(_FUNCTIONS))
ALLOWED_CONSTANTS: tuple[str, ...] = tuple(sorted(_CONSTANTS))

_ALLOWED_NAMES = (
    f"Allowed functions: {', '.join(ALLOWED_FUNCTIONS)}; constants: {', '.join(ALLOWED_CONSTANTS)}."
)
#: One-paragraph description of the accepted syntax, for error messages and tool descriptions.
ALLOWED_SUMMARY = (
    "Allowed: numbers, + - * / // % ** (power), unary + and -, parentheses. " + _ALLOWED_NAMES
)

# Names models reach for that are not offered, with what to write instead.
_NAME_HINTS = {
    "ln": "use log(x) for the natural logarithm",
    "log2": "use log(x, 2)",
    "pow": "use x ** y",
    "sum": "add the numbers with +",
    "int": "use floor(x), ceil(x) or round(x)",
    "float": "write the number directly",
    "math": "call the functions directly, e.g. sqrt(2), not math.sqrt(2)",
    "inf": "infinity is not supported",
    "nan": "NaN is not supported",
    "x": "substitute the number for the variable",
}

_BINARY_OPS: dict[type[ast.operator], tuple[str, Callable[[Number, Number], Number]]] = {
    ast.Add: ("+", lambda a, b: a + b),
    ast.Sub: ("-", lambda a, b: a - b),
    ast.Mult: ("*", lambda a, b: a * b),
    ast.Div: ("/", lambda a, b: a / b),
    ast.FloorDiv: ("//", lambda a, b: a // b),
    ast.Mod: ("%", lambda a, b: a % b),
    ast.Pow: ("**", lambda a, b: a**b),
}

_REFUSED_OPS: dict[type[ast.operator], str] = {
    ast.BitXor: "'^' is not exponentiation here; use ** for powers, e.g. 2 ** 3.",
    ast.BitAnd: "Operator '&' (bitwise and) is not allowed.",
    ast.BitOr: "Operator '|' (bitwise or) is not allowed.",
    ast.LShift: "Operator '<<' (bit shift) is not allowed; use * 2 ** n.",
    ast.RShift: "Operator '>>' (bit shift) is not allowed; use // 2 ** n.",
    ast.MatMult: "Operator '@' is not allowed.",
}

# Friendly names for node types that are refused as a whole.
_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Lambda: "Lambda functions",
    ast.ListComp: "Comprehensions",
    ast.SetComp: "Comprehensions",
    ast.DictComp: "Comprehensions",
    ast.GeneratorExp: "Generator expressions",
    ast.Compare: "Comparisons (<, >, ==, ...)",
    ast.BoolOp: "Boolean operators (and, or)",
    ast.IfExp: "Conditional expressions (x if c else y)",
    ast.Subscript: "Indexing and slicing ([...])",
    ast.List: "Lists",
    ast.Set: "Sets",
    ast.Dict: "Dictionaries",
    ast.JoinedStr: "Strings",
    ast.NamedExpr: "Assignments (:=)",
    ast.Starred: "Star arguments (*args)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

# Unicode operators models sometimes emit; mapped to their ASCII forms before parsing.
_UNICODE_OPERATORS = str.maketrans({"×": "*", "÷": "/", "−": "-", "–": "-"})


def _fmt(x: Number) -> str:
    """Short text for a number in an error message; never renders a huge int in full."""
    if isinstance(x, int) and abs(x) >= 10**30:
        return f"a {len(str(abs(x))) if x.bit_length() < 10_000 else 'very large'}-digit number"
    return repr(x)


def _operand(x: Number) -> str:
    # Parenthesise negatives so "(-8) ** 0.5" is not read as "-(8 ** 0.5)".
    return f"({_fmt(x)})" if x < 0 else _fmt(x)


def _check_result(value: object, limits: _Limits, what: str) -> Number:
    """Refuse results that are not a finite real number within the digit limit."""
    if isinstance(value, complex):
        raise CalculatorError(
            f"{what} has no real-number result (it would be complex). "
            "For an odd root of a negative number, write -(8 ** (1/3)) instead of (-8) ** (1/3)."
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CalculatorError(f"{what} did not give a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculatorError(f"{what} is too large: it overflows a floating-point number.")
    if isinstance(value, int) and abs(value) >= 10**limits.digits:
        raise CalculatorError(
            f"{what} has more than {limits.digits} digits, over the calculator's limit."
        )
    return value


class _Evaluator:
    def __init__(self, limits: _Limits) -> None:
        self.limits = limits

    def eval(self, node: ast.AST, depth: int) -> Number:
        # Depth grows through call arguments, unary operands and right operands; a flat
        # left-to-right chain (1 + 2 + 3 + ...) adds none, its size is bounded by the length.
        if depth > self.limits.depth:
            raise CalculatorError(
                f"The expression is nested more than {self.limits.depth} levels deep; simplify it."
            )
        if isinstance(node, ast.Constant):
            return self._constant(node.value)
        if isinstance(node, ast.BinOp):
            return self._binop(node, depth)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Attribute):
            raise CalculatorError(
                f"Attribute access ('{ast.unparse(node)}') is not allowed; call functions "
                f"directly, e.g. sqrt(2). {_ALLOWED_NAMES}"
            )
        if isinstance(node, ast.Tuple):
            raise CalculatorError(
                "Commas are only allowed between function arguments, e.g. max(1, 2). Write "
                "numbers without thousands separators (1000, not 1,000) and evaluate one "
                "expression per call."
            )
        label = _NODE_NAMES.get(type(node), f"'{type(node).__name__}' expressions")
        raise CalculatorError(f"{label} are not allowed. {ALLOWED_SUMMARY}")

    def _constant(self, value: object) -> Number:
        if isinstance(value, bool) or value is None or value is ...:
            raise CalculatorError(f"'{value}' is not a number. {ALLOWED_SUMMARY}")
        if isinstance(value, (str, bytes)):
            raise CalculatorError(f"Strings are not allowed; only numbers. {ALLOWED_SUMMARY}")
        if isinstance(value, complex):
            raise CalculatorError("Complex numbers (like 2j) are not supported.")
        if isinstance(value, float) and not math.isfinite(value):
            raise CalculatorError("A number in the expression is too large for a float.")
        return _check_result(value, self.limits, "A number in the expression")

    def _name(self, name: str) -> Number:
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in _FUNCTIONS:
            raise CalculatorError(
                f"'{name}' is a function; call it with parentheses: {_FUNCTIONS[name].usage}."
            )
        raise CalculatorError(f"Name '{name}' is not allowed.{_hint(name)} {_ALLOWED_NAMES}")

    def _binop(self, node: ast.BinOp, depth: int) -> Number:
        op_type = type(node.op)
        if op_type in _REFUSED_OPS:
            raise CalculatorError(f"{_REFUSED_OPS[op_type]} {ALLOWED_SUMMARY}")
        symbol, apply = _BINARY_OPS[op_type]
        left = self.eval(node.left, depth)
        right = self.eval(node.right, depth + 1)
        what = f"{_operand(left)} {symbol} {_operand(right)}"
        if symbol == "**":
            self._check_power(left, right, what)
        try:
            result = apply(left, right)
        except ZeroDivisionError:
            raise CalculatorError(f"Division by zero in {what}.") from None
        except OverflowError:
            raise CalculatorError(f"{what} is too large for a floating-point number.") from None
        return _check_result(result, self.limits, what)

    def _check_power(self, base: Number, exponent: Number, what: str) -> None:
        if abs(exponent) > self.limits.exponent:
            raise CalculatorError(
                f"Exponent {_fmt(exponent)} in {what} is too large; "
                f"exponents may be at most {self.limits.exponent} in size."
            )
        # Integer powers are exact and can take very long; estimate the digits first.
        if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
            digits = exponent * math.log10(abs(base))
            if digits > self.limits.digits:
                raise CalculatorError(
                    f"{what} would have about {int(digits) + 1} digits; "
                    f"results may have at most {self.limits.digits}."
                )

    def _unary(self, node: ast.UnaryOp, depth: int) -> Number:
        if isinstance(node.op, ast.USub):
            return -self.eval(node.operand, depth + 1)
        if isinstance(node.op, ast.UAdd):
            return +self.eval(node.operand, depth + 1)
        symbol = "not" if isinstance(node.op, ast.Not) else "~"
        raise CalculatorError(f"Operator '{symbol}' is not allowed. {ALLOWED_SUMMARY}")

    def _call(self, node: ast.Call, depth: int) -> Number:
        if not isinstance(node.func, ast.Name):
            self.eval(node.func, depth)  # a lambda or attribute is refused with its own message
            raise CalculatorError(  # what is left is a number, as in 2(3 + 4)
                f"'{ast.unparse(node)}' calls a number; write * for multiplication, "
                "e.g. 2 * (3 + 4)."
            )
        name = node.func.id
        if name in _CONSTANTS:
            raise CalculatorError(f"'{name}' is a constant, not a function; use it without ().")
        func = _FUNCTIONS.get(name)
        if func is None:
            raise CalculatorError(
                f"Function '{name}' is not allowed.{_hint(name)} {_ALLOWED_NAMES}"
            )
        if node.keywords:
            raise CalculatorError(
                f"Keyword arguments are not supported; pass them by position: {func.usage}."
            )
        n = len(node.args)
        if n < func.min_args or (func.max_args is not None and n > func.max_args):
            raise CalculatorError(f"{name}() got {n} argument(s); use {func.usage}.")
        args = [self.eval(arg, depth + 1) for arg in node.args]
        what = f"{name}({', '.join(map(_fmt, args))})"
        if name == "factorial":
            args = [self._factorial_arg(args[0], what)]
        try:
            result = func.impl(*args)
        except ZeroDivisionError:
            raise CalculatorError(f"Division by zero in {what}.") from None
        except OverflowError:
            raise CalculatorError(f"{what} is too large for a floating-point number.") from None
        except CalculatorError:
            raise
        except (ValueError, TypeError) as exc:
            raise CalculatorError(
                f"{what} is undefined: the argument is outside the function's domain ({exc})."
            ) from None
        return _check_result(result, self.limits, what)

    def _factorial_arg(self, n: Number, what: str) -> int:
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        if not isinstance(n, int) or n < 0:
            raise CalculatorError(f"{what}: factorial needs a whole number >= 0.")
        if n > self.limits.factorial:
            raise CalculatorError(
                f"{what} is too large; factorial arguments may be at most {self.limits.factorial}."
            )
        return n


def _hint(name: str) -> str:
    if name in _NAME_HINTS:
        return f" Hint: {_NAME_HINTS[name]}."
    close = difflib.get_close_matches(name.lower(), [*_FUNCTIONS, *_CONSTANTS], n=1, cutoff=0.85)
    return f" Did you mean '{close[0]}'?" if close else ""


def _syntax_hint(expression: str) -> str:
    if "=" in expression:
        return " Write only the expression, without '=' or variable names."
    if "%" in expression and ("of" in expression or expression.rstrip().endswith("%")):
        return " '%' is the remainder operator; for percentages write 15 / 100 * 200."
    if any(c.isalpha() for c in expression) and " x " in f" {expression} ":
        return " Use * for multiplication, not x."
    return ""


def evaluate(
    expression: str,
    *,
    max_length: int = MAX_LENGTH,
    max_depth: int = MAX_DEPTH,
    max_exponent: int = MAX_EXPONENT,
    max_digits: int = MAX_DIGITS,
    max_factorial: int = MAX_FACTORIAL,
) -> Number:
    """Evaluate an arithmetic expression safely, without ``eval``.

    Args:
        expression: For example ``"2 * (3 + 4.5) / sqrt(16)"``. ``×``, ``÷`` and ``−`` are read
            as ``*``, ``/`` and ``-``.
        max_length: Most characters accepted.
        max_depth: Deepest nesting of calls, signs and right-hand operands.
        max_exponent: Largest exponent size (absolute value) for ``**``.
        max_digits: Most digits of any integer, intermediate or final.
        max_factorial: Largest argument of ``factorial``.

    Returns:
        An ``int`` when every step is exact (``2 ** 10``), else a ``float`` (``7 / 2``).

    Raises:
        CalculatorError: The expression is malformed, uses something not allowed, exceeds a
            limit, divides by zero or leaves a function's domain; the message says which and
            what is allowed.
    """
    if not isinstance(expression, str):
        raise CalculatorError(f"The expression must be a string, got {type(expression).__name__}.")
    if len(expression) > max_length:
        raise CalculatorError(
            f"The expression is {len(expression)} characters long; the limit is {max_length}. "
            "Split the calculation into smaller steps."
        )
    text = expression.translate(_UNICODE_OPERATORS).strip()
    if not text:
        raise CalculatorError(f"The expression is empty. {ALLOWED_SUMMARY}")
    limits = _Limits(max_length, max_depth, max_exponent, max_digits, max_factorial)
    try:
        tree = ast.parse(text, mode="eval")
        return _Evaluator(limits).eval(tree.body, 0)
    except SyntaxError as exc:
        where = f" at position {exc.offset}" if exc.offset else ""
        raise CalculatorError(
            f"Could not parse {expression!r}: {exc.msg}{where}.{_syntax_hint(text)} "
            f"Write one arithmetic expression, e.g. 2 * (3 + 4.5). {ALLOWED_SUMMARY}"
        ) from None
    except (RecursionError, MemoryError):
        raise CalculatorError("The expression is too deeply nested; simplify it.") from None
    except ValueError as exc:
        if isinstance(exc, CalculatorError):
            raise
        raise CalculatorError(f"Could not parse {expression!r}: {exc}.") from None


def _number(name: str, value: object) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CalculatorError(f"{name} must be a number, got {type(value).__name__}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculatorError(f"{name} must be a finite number, got {value!r}.")
    try:
        float(value)
    except OverflowError:  # an int past the float range
        raise CalculatorError(
            f"{name} is too large for a floating-point number (about 1.8e308 at most)."
        ) from None
    return value


def percent_of(percent: Number, value: Number) -> float:
    """``percent`` % of ``value``: ``percent_of(15, 200) == 30.0``.

    Args:
        percent: The percentage, in percent (15 means 15 %).
        value: The amount to take the percentage of.

    Raises:
        CalculatorError: An argument is not a finite number, or the result overflows a float.
    """
    p, v = _number("percent", percent), _number("value", value)
    what = f"{p:g}% of {v:g}"
    # Multiply first: 7 * 100 / 100 is exact, 7 / 100 * 100 is not. But p * v may overflow where
    # the answer does not (1e308% of 10), so divide first then.
    result = _as_float(lambda: p * v / 100)
    return result if math.isfinite(result) else _checked(what, lambda: p / 100 * v)


def percent_change(old: Number, new: Number) -> float:
    """Change from ``old`` to ``new`` in percent of ``|old|``: ``percent_change(50, 75) == 50.0``.

    Dividing by ``|old|`` keeps the sign meaning "up" or "down" even for negative starting values.

    Args:
        old: The starting value; must not be zero.
        new: The final value.

    Raises:
        CalculatorError: ``old`` is zero (the change is undefined), an argument is not a
            finite number, or the result overflows a float.
    """
    o, n = _number("old", old), _number("new", new)
    if o == 0:
        raise CalculatorError(
            "Percent change from 0 is undefined (division by zero); "
            "report the absolute change (new - old) instead."
        )
    return _checked(f"The change from {o:g} to {n:g}", lambda: (n - o) / abs(o) * 100)


def _as_float(compute: Callable[[], Number]) -> float:
    """``compute()`` as a float; ``inf`` when it overflows (Python raises for big ints)."""
    try:
        return float(compute())
    except OverflowError:
        return math.inf


def _checked(what: str, compute: Callable[[], Number]) -> float:
    result = _as_float(compute)
    if not math.isfinite(result):
        raise CalculatorError(
            f"{what} is too large: it overflows a floating-point number (about 1.8e308 at "
            "most). Use smaller numbers."
        )
    return result
