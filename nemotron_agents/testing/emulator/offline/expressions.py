"""Arithmetic read from a request, in symbols or words, as a small tree rendered in Python syntax.

The tree is only ever rendered to text for the calculator tool; nothing here evaluates it.

:func:`parse_expression` reads, with the usual precedence (``**`` binds tighter than unary
minus, which binds tighter than ``* /``, then ``+ -``):

* symbols: ``2 ** 10 + sqrt(16)``, ``(3 + 4) * 5``, ``2^10`` (power, as people mean it), ``5!``;
* infix words: plus, minus, times, x, multiplied by, divided by, over, mod, to the power of,
  raised to, squared, cubed, factorial;
* "of" phrases: the square/cube root of, the square/cube of, the sum/total/product/average/mean
  of a list, the difference between, the quotient of, the remainder of … divided by, half of,
  a third/quarter of, double, twice, triple, the factorial of, the absolute value of, the
  natural log of, log base B of, log10 of;
* the previous result ("it", "that", "the result") where a previous step exists.

An "of" phrase takes a single operand, so one followed by more arithmetic ("the square root of
16 plus 9") is ambiguous and refused rather than guessed, as is a sign before a spoken power
("minus 3 squared").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from nemotron_agents.testing.emulator.offline.cursor import Cursor
from nemotron_agents.testing.emulator.offline.lexer import Token, number_text

__all__ = [
    "FUNCTIONS",
    "Bin",
    "Call",
    "Expr",
    "Neg",
    "Num",
    "Ref",
    "has_ref",
    "parse_expression",
    "parse_items",
    "parse_operand",
    "render",
]

#: Functions written with parentheses ("sqrt(16)"); the calculator tool's set.
FUNCTIONS = frozenset(
    [
        "abs",
        "ceil",
        "cos",
        "exp",
        "factorial",
        "floor",
        "log",
        "log10",
        "max",
        "min",
        "round",
        "sin",
        "sqrt",
        "tan",
    ]
)
_MAX_DEPTH = 40  # nesting the parser follows before it gives up (the calculator allows 50)


@dataclass(frozen=True)
class Num:
    """A number; ``shown`` is how the user wrote it ("1,250")."""

    text: str
    shown: str


@dataclass(frozen=True)
class Ref:
    """The previous step's result."""


@dataclass(frozen=True)
class Bin:
    """``left op right`` with ``op`` in ``+ - * / // % **``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Neg:
    """Unary minus."""

    operand: Expr


@dataclass(frozen=True)
class Call:
    """A function call, or the constant ``pi`` (``name="pi"``, no arguments)."""

    name: str
    args: tuple[Expr, ...]


Expr = Num | Ref | Bin | Neg | Call

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2, "**": 4}


def has_ref(expr: Expr) -> bool:
    """Whether ``expr`` uses the previous result."""
    if isinstance(expr, Ref):
        return True
    if isinstance(expr, Bin):
        return has_ref(expr.left) or has_ref(expr.right)
    if isinstance(expr, Neg):
        return has_ref(expr.operand)
    if isinstance(expr, Call):
        return any(has_ref(a) for a in expr.args)
    return False


def _prec(expr: Expr, ref: str) -> int:
    if isinstance(expr, Bin):
        return _PREC[expr.op]
    if isinstance(expr, Neg) or (isinstance(expr, Ref) and ref.startswith("-")):
        return 3
    return 5


def render(expr: Expr, ref: str = "") -> str:
    """Python-syntax text of ``expr``, with ``ref`` (a number's text) for the previous result.

    Parentheses appear only where precedence needs them: ``(-2) ** 2``, ``a - (b - c)``.
    """
    if isinstance(expr, Num):
        return expr.text
    if isinstance(expr, Ref):
        return ref
    if isinstance(expr, Neg):
        inner = render(expr.operand, ref)
        return f"-{inner}" if _prec(expr.operand, ref) >= 3 else f"-({inner})"
    if isinstance(expr, Call):
        if expr.name == "pi" and not expr.args:
            return "pi"
        return f"{expr.name}({', '.join(render(a, ref) for a in expr.args)})"
    prec = _PREC[expr.op]
    left, right = render(expr.left, ref), render(expr.right, ref)
    lp, rp = _prec(expr.left, ref), _prec(expr.right, ref)
    if expr.op == "**":
        left_paren, right_paren = lp <= 4, rp < 3
    else:
        left_paren, right_paren = lp < prec, rp <= prec
    left = f"({left})" if left_paren else left
    right = f"({right})" if right_paren else right
    return f"{left} {expr.op} {right}"


class _Ambiguous(Exception):
    """The text can be read more than one way."""


_INFIX = (
    ("+", "+"),
    ("plus", "+"),
    ("-", "-"),
    ("minus", "-"),
    ("*", "*"),
    ("times", "*"),
    ("x", "*"),
    ("multiplied by", "*"),
    ("/", "/"),
    ("divided by", "/"),
    ("over", "/"),
    ("//", "//"),
    ("mod", "%"),
    ("modulo", "%"),
    ("**", "**"),
    ("^", "**"),
    ("to the power of", "**"),
    ("raised to the power of", "**"),
    ("raised to", "**"),
)


_INFIX_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _op in _INFIX:
    _INFIX_BY_FIRST.setdefault(_phrase.split()[0], []).append((tuple(_phrase.split()), _op))


def _infix(c: Cursor) -> tuple[str, int] | None:
    for words, op in _INFIX_BY_FIRST.get(c.low(), ()):
        if c.at(*words):
            return op, len(words)
    return None


class _Parser:
    def __init__(self, cursor: Cursor, *, allow_ref: bool) -> None:
        self.c = cursor
        self.allow_ref = allow_ref
        self.depth = 0
        self.ended_with_of = False  # the last operand read was an "of" phrase

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Ambiguous("nested too deep")

    def expr(self, level: int = 1) -> Expr:
        self._enter()
        left = self.unary() if level <= 3 else self.postfix()
        while (found := _infix(self.c)) is not None:
            op, width = found
            prec = _PREC[op]
            if prec < level:
                break
            if self.ended_with_of:
                raise _Ambiguous("an 'of' phrase followed by more arithmetic")
            self.c.i += width
            # ** is right-associative; the exponent may carry a sign
            right = self.expr(3) if op == "**" else self.expr(prec + 1)
            left = Bin(op, left, right)
        self.depth -= 1
        return left

    def unary(self) -> Expr:
        if self.c.take("-") or self.c.take("minus") or self.c.take("negative"):
            return Neg(self.unary())
        self.c.take("+")
        return self.expr(4)

    def postfix(self) -> Expr:
        start = self.c.i
        expr = self.atom()
        # "minus 3 squared": -9 by precedence, 9 to many readers. Not guessed.
        signed = start > 0 and self.c.tokens[start - 1].low in ("-", "minus", "negative")
        while True:
            if (signed and self.c.at("squared")) or (signed and self.c.at("cubed")):
                raise _Ambiguous("a sign before a spoken power")
            if self.c.take("squared"):
                expr = Bin("**", expr, Num("2", "2"))
            elif self.c.take("cubed"):
                expr = Bin("**", expr, Num("3", "3"))
            elif self.c.take("!") or self.c.take("factorial"):
                expr = Call("factorial", (expr,))
            else:
                return expr
            if self.ended_with_of:
                raise _Ambiguous("an 'of' phrase followed by more arithmetic")

    def operand(self) -> Expr:
        """One operand of an "of" phrase: a number, maybe signed, a parenthesis, a call, the
        previous result."""
        self._enter()
        if self.c.take("-") or self.c.take("minus") or self.c.take("negative"):
            expr: Expr = Neg(self.postfix())
        else:
            expr = self.postfix()
        if self.ended_with_of and not (self.c.at(")") or self.c.done()):
            raise _Ambiguous("an 'of' phrase followed by more")
        self.depth -= 1
        return expr

    def number(self, tok: Token) -> Num:
        assert isinstance(tok.value, Decimal)
        shown = tok.text if not tok.spoken else number_text(tok.value)
        return Num(number_text(tok.value), shown)

    def atom(self) -> Expr:
        c = self.c
        self.ended_with_of = False
        tok = c.peek()
        if tok is None:
            raise _Ambiguous("expected a number")
        if (num := c.number()) is not None:
            return self.number(num)
        if c.take("("):
            inner = self.expr()
            self.ended_with_of = False
            if not c.take(")"):
                raise _Ambiguous("unbalanced parenthesis")
            return inner
        if tok.low in FUNCTIONS and c.low(1) == "(":
            c.i += 2
            args = [self.expr()]
            while c.take(","):
                args.append(self.expr())
            self.ended_with_of = False
            if not c.take(")"):
                raise _Ambiguous("unbalanced parenthesis")
            return Call(tok.low, tuple(args))
        if c.take("pi"):
            return Call("pi", ())
        if self.allow_ref and c.take_ref():
            return Ref()
        phrase = self.of_phrase()
        if phrase is not None:
            self.ended_with_of = True
            return phrase
        raise _Ambiguous(f"unexpected {tok.text!r}")

    def _next_is_value(self, ahead: int) -> bool:
        tok = self.c.peek(ahead)
        return tok is not None and (
            tok.kind == "num" or tok.low in ("-", "(") or (self.allow_ref and tok.low == "it")
        )

    def items(self, minimum: int = 2) -> list[Expr]:
        """``a``, ``a and b``, ``a, b and c``, ``a, b, c``, ``a and b and c`` (at least
        ``minimum`` operands)."""
        c = self.c
        items = [self.operand()]
        while True:
            if c.take(",", "and") or c.take("and") or c.take("plus"):
                items.append(self.operand())
                while c.at("and") and self._next_is_value(1):
                    c.take("and")
                    items.append(self.operand())
                break
            if not (c.at(",") and self._next_is_value(1)):
                break
            c.take(",")
            items.append(self.operand())
        if len(items) < minimum:
            raise _Ambiguous("a list needs 'and'")
        return items

    def of_phrase(self) -> Expr | None:
        c = self.c
        start = c.i
        c.take("the")
        if c.take_any("square root of", "sqrt of", "root of") is not None:
            return Call("sqrt", (self.operand(),))
        if c.take("cube", "root", "of"):
            return Bin("**", self.operand(), Bin("/", Num("1", "1"), Num("3", "3")))
        if c.take("square", "of"):
            return Bin("**", self.operand(), Num("2", "2"))
        if c.take("cube", "of"):
            return Bin("**", self.operand(), Num("3", "3"))
        if c.take_any("sum of", "total of") is not None:
            return _fold("+", self.items())
        if c.take("product", "of"):
            return _fold("*", self.items())
        if c.take_any("average of", "mean of") is not None:
            items = self.items()
            return Bin("/", _fold("+", items), Num(str(len(items)), str(len(items))))
        if c.take("difference", "between"):
            a = self.operand()
            if not c.take("and"):
                raise _Ambiguous("'difference between' needs 'and'")
            return Call("abs", (Bin("-", a, self.operand()),))
        if c.take("quotient", "of"):
            a = self.operand()
            if not c.take("and"):
                raise _Ambiguous("'quotient of' needs 'and'")
            return Bin("/", a, self.operand())
        if c.take_any("remainder of", "remainder when") is not None:
            a = self.operand()
            if not (c.take("divided", "by") or c.take("/")):
                raise _Ambiguous("'remainder' needs 'divided by'")
            return Bin("%", a, self.operand())
        if c.take_any("factorial of") is not None:
            return Call("factorial", (self.operand(),))
        if c.take_any("absolute value of") is not None:
            return Call("abs", (self.operand(),))
        if c.take_any("natural log of", "natural logarithm of", "ln of") is not None:
            return Call("log", (self.operand(),))
        if c.take_any("log10 of", "log base 10 of", "common log of") is not None:
            return Call("log10", (self.operand(),))
        if c.take("log", "base"):
            base = self.operand()
            if not c.take("of"):
                raise _Ambiguous("'log base' needs 'of'")
            return Call("log", (self.operand(), base))
        c.i = start
        if c.take("half", "of") or c.take("half"):
            return Bin("/", self.operand(), Num("2", "2"))
        if c.take_any("a third of", "one third of", "third of") is not None:
            return Bin("/", self.operand(), Num("3", "3"))
        if (
            c.take_any("a quarter of", "one quarter of", "quarter of", "a fourth of", "fourth of")
            is not None
        ):
            return Bin("/", self.operand(), Num("4", "4"))
        if c.take_any("double", "twice") is not None:
            return Bin("*", Num("2", "2"), self.operand())
        if c.take("triple"):
            return Bin("*", Num("3", "3"), self.operand())
        c.i = start
        return None


def _fold(op: str, items: list[Expr]) -> Expr:
    expr = items[0]
    for item in items[1:]:
        expr = Bin(op, expr, item)
    return expr


def parse_expression(cursor: Cursor, *, allow_ref: bool = False) -> Expr | None:
    """Read one expression at ``cursor``; on success the cursor moves past it.

    Args:
        cursor: Where to read.
        allow_ref: Whether "it", "that", "the result" may name the previous result.

    Returns:
        The expression, or ``None`` when the text there is not one clear expression.
    """
    c = cursor.copy()
    try:
        expr = _Parser(c, allow_ref=allow_ref).expr()
    except (_Ambiguous, RecursionError):
        return None
    cursor.i = c.i
    return expr


def parse_items(cursor: Cursor, *, allow_ref: bool = False) -> list[Expr] | None:
    """Read one or more operands ("17", "17 and 25", "1, 2 and 3"); the cursor moves past them."""
    c = cursor.copy()
    try:
        items = _Parser(c, allow_ref=allow_ref).items(minimum=1)
    except (_Ambiguous, RecursionError):
        return None
    cursor.i = c.i
    return items


def parse_operand(cursor: Cursor, *, allow_ref: bool = False) -> Expr | None:
    """Read one operand (a number, parenthesis, call, "of" phrase or the previous result)."""
    c = cursor.copy()
    parser = _Parser(c, allow_ref=allow_ref)
    try:
        expr = parser.operand()
    except (_Ambiguous, RecursionError):
        return None
    cursor.i = c.i
    return expr
