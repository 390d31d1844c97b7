"""Safe arithmetic: correct results, and every refusal fails fast with a message for the model."""

import math
import time

import pytest

from nemotron_agents.tools.builtin.arithmetic import (
    ALLOWED_CONSTANTS,
    ALLOWED_FUNCTIONS,
    MAX_DIGITS,
    CalculatorError,
    evaluate,
    percent_change,
    percent_of,
)

# --- correct results --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 ** 3 ** 2", 512),  # right-associative
        ("-2 ** 2", -4),  # power binds tighter than unary minus
        ("(-2) ** 2", 4),
        ("10 - 4 - 3", 3),  # left-associative
        ("100 / 10 / 5", 2.0),
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("7 % 3", 1),
        ("-7 % 3", 2),
        ("+5", 5),
        ("--5", 5),
        ("2 * (3 + (4 - 1)) / 3", 4.0),
        ("1_000_000 + 1", 1_000_001),
        ("0x10 + 0b11", 19),
        ("2 ** 10", 1024),
        ("2 ** -2", 0.25),
        ("3 × 4 ÷ 2 − 1", 5.0),  # unicode operators models sometimes write
        ("   42   ", 42),
    ],
)
def test_integer_and_exact_results(expression, expected):
    result = evaluate(expression)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0.1 + 0.2", 0.3),
        ("7 / 2", 3.5),
        ("1.5e3 * 2", 3000.0),
        ("2 ** 0.5", math.sqrt(2)),
        ("sqrt(16) + abs(-3.5)", 7.5),
        ("log(e)", 1.0),
        ("log(8, 2)", 3.0),
        ("log10(1000)", 3.0),
        ("exp(2)", math.e**2),
        ("sin(pi / 2)", 1.0),
        ("cos(0)", 1.0),
        ("tan(pi / 4)", 1.0),
        ("2 * pi * 3", 6 * math.pi),
        ("1000 * (1 + 0.05) ** 10", 1628.894626777442),
        ("5.5 % 2", 1.5),
    ],
)
def test_float_results(expression, expected):
    assert evaluate(expression) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("floor(2.7)", 2),
        ("ceil(2.1)", 3),
        ("floor(-2.5)", -3),
        ("min(3, 1, 2)", 1),
        ("max(3, 1.5, 2)", 3),
        ("min(4)", 4),
        ("factorial(5)", 120),
        ("factorial(0)", 1),
        ("factorial(5.0)", 120),  # an integral float is accepted
        ("round(2.5)", 3),  # halves away from zero, unlike Python's banker's rounding
        ("round(-2.5)", -3),
        ("round(3.14159, 2)", 3.14),
        ("round(2.675, 2)", 2.68),  # rounds the decimal shown, not the binary float
        ("round(1234, -2)", 1200),
        ("round(1250, -2)", 1300),
        ("round(7)", 7),
    ],
)
def test_functions(expression, expected):
    result = evaluate(expression)
    assert result == expected
    assert type(result) is type(expected)


def test_large_but_allowed_results_are_exact():
    assert evaluate("2 ** 1000") == 2**1000
    assert evaluate("factorial(100)") == math.factorial(100)
    assert evaluate("10 ** 999") == 10**999


def test_long_flat_sum_is_not_counted_as_nesting():
    expression = " + ".join(["1"] * 120)  # 477 characters, a left-to-right chain
    assert evaluate(expression) == 120


# --- refusals ---------------------------------------------------------------------------------


def _refuse(expression, *, match=None, **limits):
    with pytest.raises(CalculatorError, match=match) as info:
        evaluate(expression, **limits)
    return str(info.value)


def test_calculator_error_is_a_value_error():
    assert issubclass(CalculatorError, ValueError)


@pytest.mark.parametrize("name", ["os", "x", "__builtins__", "sys", "open"])
def test_unknown_names_are_refused_with_the_allowed_list(name):
    message = _refuse(name, match=f"Name '{name}' is not allowed")
    assert "Allowed functions: " + ", ".join(ALLOWED_FUNCTIONS) in message
    assert "constants: " + ", ".join(ALLOWED_CONSTANTS) in message


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "eval('1')", "exec('1')", "open('f')", "getattr(1, 'real')", "pow(2, 3)"],
)
def test_calls_of_non_whitelisted_functions_are_refused(expression):
    name = expression.split("(")[0]
    message = _refuse(expression, match=f"Function '{name}' is not allowed")
    assert "sqrt" in message and "factorial" in message


@pytest.mark.parametrize(
    ("expression", "hint"),
    [
        ("ln(5)", r"Hint: use log\(x\) for the natural logarithm"),
        ("pow(2, 3)", "x \\*\\* y"),
        ("log2(8)", "log\\(x, 2\\)"),
        ("Sqrt(4)", "Did you mean 'sqrt'"),
        ("PI", "Did you mean 'pi'"),
    ],
)
def test_near_misses_get_a_hint(expression, hint):
    _refuse(expression, match=hint)


@pytest.mark.parametrize(
    "expression",
    ["math.sqrt(2)", "(1).real", "().__class__.__bases__[0].__subclasses__()", "os.system('ls')"],
)
def test_attribute_access_is_refused(expression):
    _refuse(expression, match="not allowed")


def test_attribute_message_names_the_attribute():
    _refuse("math.sqrt(2)", match=r"Attribute access \('math.sqrt'\) is not allowed")


@pytest.mark.parametrize(
    ("expression", "label"),
    [
        ("(lambda: 1)()", "Lambda functions"),
        ("(lambda x: x)", "Lambda functions"),
        ("[x for x in (1, 2)]", "Comprehensions"),
        ("{x for x in (1, 2)}", "Comprehensions"),
        ("{x: 1 for x in (1, 2)}", "Comprehensions"),
        ("sum(x for x in (1, 2))", "Function 'sum'"),
        ("(x for x in (1, 2))", "Generator expressions"),
        ("[1, 2]", "Lists"),
        ("{1: 2}", "Dictionaries"),
        ("1 < 2", "Comparisons"),
        ("1 and 2", "Boolean operators"),
        ("1 if 2 else 3", "Conditional expressions"),
        ("(1, 2)[0]", "Indexing"),
        ("(y := 3)", "Assignments"),
        ("f'{1}'", "Strings"),
    ],
)
def test_non_arithmetic_syntax_is_refused(expression, label):
    message = _refuse(expression)
    assert message.startswith(label), message
    assert "not allowed" in message


@pytest.mark.parametrize("expression", ["'abc'", "b'abc'", "'1' + '2'", "sqrt('4')"])
def test_strings_are_refused(expression):
    _refuse(expression, match="Strings are not allowed; only numbers")


@pytest.mark.parametrize("expression", ["True", "None", "False + 1", "..."])
def test_non_number_constants_are_refused(expression):
    _refuse(expression, match="is not a number")


def test_complex_literal_is_refused():
    _refuse("2j + 1", match="Complex numbers")


def test_caret_is_refused_with_a_power_hint():
    message = _refuse("2 ^ 3")
    assert "'^' is not exponentiation" in message
    assert "use ** for powers" in message


@pytest.mark.parametrize(
    ("expression", "operator"),
    [
        ("6 & 3", "&"),
        ("6 | 3", "|"),
        ("1 << 10", "<<"),
        ("8 >> 1", ">>"),
        ("~5", "~"),
        ("not 1", "not"),
    ],
)
def test_bitwise_and_logical_operators_are_refused(expression, operator):
    _refuse(expression, match=f"Operator '{operator}'")


def test_comma_separated_numbers_are_refused_with_an_explanation():
    message = _refuse("1,000 + 5")
    assert "thousands separators" in message and "1000, not 1,000" in message


def test_implicit_multiplication_is_refused_with_a_hint():
    _refuse("2(3 + 4)", match=r"calls a number; write \* for multiplication")


@pytest.mark.parametrize(
    ("expression", "match"),
    [
        ("sqrt", r"'sqrt' is a function; call it with parentheses: sqrt\(x\)"),
        ("pi(2)", "'pi' is a constant, not a function"),
        ("round(2.5, ndigits=1)", "Keyword arguments are not supported"),
        ("sqrt(1, 2)", r"sqrt\(\) got 2 argument\(s\); use sqrt\(x\)"),
        ("round()", r"round\(\) got 0 argument\(s\)"),
        ("max()", r"max\(\) got 0 argument\(s\)"),
        ("sqrt(*(4,))", "Star arguments"),
        ("round(1.5, 0.5)", "whole number of digits"),
        ("round(1.5, 200)", "between -100 and 100"),
    ],
)
def test_function_misuse_is_explained(expression, match):
    _refuse(expression, match=match)


@pytest.mark.parametrize("expression", ["1 / 0", "1 // 0", "1 % 0", "0 ** -1", "5 / (2 - 2)"])
def test_division_by_zero(expression):
    _refuse(expression, match="Division by zero in")


def test_division_by_zero_names_the_operation():
    _refuse("7 / (3 - 3)", match=r"Division by zero in 7 / 0\.")


@pytest.mark.parametrize("expression", ["sqrt(-1)", "log(0)", "log(-5)", "log10(0)"])
def test_math_domain_errors(expression):
    _refuse(expression, match="outside the function's domain")


def test_complex_results_are_refused():
    _refuse("(-8) ** (1 / 3)", match=r"\(-8\) \*\* 0.333.* no real-number result")


@pytest.mark.parametrize("expression", ["factorial(-1)", "factorial(2.5)"])
def test_factorial_needs_a_whole_non_negative_number(expression):
    _refuse(expression, match="factorial needs a whole number >= 0")


# --- limits: refused fast, before the work is done --------------------------------------------


@pytest.mark.parametrize(
    ("expression", "match"),
    [
        ("9 ** 9 ** 9", "Exponent 387420489 .* is too large; exponents may be at most 10000"),
        ("2 ** 100000", "Exponent 100000"),
        ("10 ** 5000", "would have about 5001 digits; results may have at most 1000"),
        ("(10 ** 999) * (10 ** 999)", "has more than 1000 digits"),
        ("factorial(10 ** 6)", r"factorial\(1000000\) is too large; .* at most 400"),
        ("factorial(factorial(20))", "factorial arguments may be at most 400"),
        ("2.0 ** 5000", "too large for a floating-point number"),
        ("exp(1000)", "too large for a floating-point number"),
        ("10 ** 999 / 3", "too large for a floating-point number"),
        ("1e999", "too large for a float"),
        ("sqrt(10 ** 999)", "too large for a floating-point number"),
    ],
)
def test_resource_limits_fail_fast(expression, match):
    start = time.perf_counter()
    _refuse(expression, match=match)
    assert time.perf_counter() - start < 0.5


def test_huge_integers_are_not_rendered_in_messages():
    message = _refuse("(10 ** 999) * (10 ** 999)")
    assert "a 1000-digit number * a 1000-digit number" in message
    assert len(message) < 300


def test_too_long():
    message = _refuse("1+" * 300 + "1")
    assert "601 characters long; the limit is 500" in message
    assert "smaller steps" in message


def test_deep_nesting():
    _refuse("-" * 60 + "1", match="nested more than 50 levels deep")
    _refuse("sqrt(" * 40 + "1" + ")" * 40, max_depth=20, match="nested more than 20 levels")
    _refuse("2 ** (" * 60 + "1" + ")" * 60, match="nested more than 50 levels")


def test_parser_nesting_limit_is_reported_cleanly():
    # CPython's parser refuses 200+ nested parentheses itself; that must still be a clear error.
    text = "(" * 240 + "1" + ")" * 240
    _refuse(text, match="Could not parse")


def test_deep_chain_beyond_the_recursion_limit_is_a_clear_error():
    expression = "+".join(["1"] * 5000)
    _refuse(expression, max_length=100_000, max_depth=10_000, match="too deeply nested")


def test_limits_are_keyword_options():
    assert evaluate("2 ** 20", max_exponent=20) == 2**20
    _refuse("2 ** 21", max_exponent=20, match="at most 20 in size")
    _refuse("factorial(11)", max_factorial=10, match="at most 10")
    _refuse("10 ** 10", max_digits=5, match="at most 5")
    _refuse("1 + 1", max_length=3, match="limit is 3")
    with pytest.raises(TypeError):
        evaluate("1", 10)  # limits are keyword-only


def test_default_digit_limit_stays_below_pythons_int_to_str_limit():
    # A result must always be printable: CPython refuses str() of ints over 4300 digits.
    assert MAX_DIGITS < 4300


# --- syntax errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "hint"),
    [
        ("x = 5", "without '=' or variable names"),
        ("50% of 20", "for percentages write 15 / 100 \\* 200"),
        ("3 x 4", "Use \\* for multiplication"),
        ("2 +", "Write one arithmetic expression"),
        ("import os", "Could not parse"),
    ],
)
def test_syntax_errors_explain_what_to_write(expression, hint):
    message = _refuse(expression, match=hint)
    assert message.startswith(f"Could not parse {expression!r}")
    assert "Allowed: numbers, + - * / // % **" in message


@pytest.mark.parametrize("expression", ["", "   "])
def test_empty_expression(expression):
    _refuse(expression, match="The expression is empty")


def test_statements_cannot_sneak_in():
    _refuse("1; import os", match="Could not parse")
    _refuse("1\nimport os", match="Could not parse")


def test_non_string_expression():
    with pytest.raises(CalculatorError, match="must be a string, got int"):
        evaluate(42)


# --- percentages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "value", "expected"),
    [(15, 200, 30.0), (7, 100, 7.0), (50, 3, 1.5), (0, 99, 0.0), (-10, 50, -5.0), (12.5, 80, 10.0)],
)
def test_percent_of(percent, value, expected):
    result = percent_of(percent, value)
    assert result == pytest.approx(expected)
    assert isinstance(result, float)


def test_percent_of_avoids_needless_float_error():
    assert percent_of(7, 100) == 7.0  # 7 / 100 * 100 would be 7.000000000000001


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (50, 75, 50.0),
        (200, 150, -25.0),
        (80, 80, 0.0),
        (-100, -50, 50.0),
        (-100, -150, -50.0),
        (0.5, 1.5, 200.0),
    ],
)
def test_percent_change(old, new, expected):
    assert percent_change(old, new) == pytest.approx(expected)


def test_percent_change_from_zero_is_a_clear_error():
    with pytest.raises(CalculatorError, match="Percent change from 0 is undefined") as info:
        percent_change(0, 5)
    assert "new - old" in str(info.value)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("5", 10), "percent must be a number, got str"),
        ((5, None), "value must be a number, got NoneType"),
        ((True, 10), "percent must be a number, got bool"),
        ((float("nan"), 10), "percent must be a finite number"),
        ((5, float("inf")), "value must be a finite number"),
    ],
)
def test_percent_of_rejects_non_numbers(args, match):
    with pytest.raises(CalculatorError, match=match):
        percent_of(*args)


def test_percent_change_rejects_non_numbers():
    with pytest.raises(CalculatorError, match="old must be a finite number"):
        percent_change(float("inf"), 1)
    with pytest.raises(CalculatorError, match="new must be a number"):
        percent_change(1, "2")


@pytest.mark.parametrize(
    ("function", "args", "match"),
    [
        (percent_of, (1e308, 1e308), r"1e\+308% of 1e\+308 is too large"),
        (percent_of, (10**200, 10**200), "is too large"),  # exact ints past the float range
        (percent_of, (10**400, 1), "percent is too large for a floating-point number"),
        (percent_change, (1e-308, 1e308), r"The change from 1e-308 to 1e\+308 is too large"),
        (percent_change, (-1e308, 1e308), "is too large"),
    ],
)
def test_overflow_is_a_clear_error_never_infinity(function, args, match):
    with pytest.raises(CalculatorError, match=match) as info:
        function(*args)
    assert "overflows a floating-point number" in str(info.value) or "1.8e308" in str(info.value)
