"""A position in a token list, with the small look-ahead tests the grammar is written in."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from nemotron_agents.testing.emulator.offline.lexer import Token

__all__ = ["IGNORABLE", "REF_NOUNS", "Cursor"]

#: Words that carry no meaning for the offline policy: question frames, politeness, connectors.
IGNORABLE = frozenset(
    [
        "what",
        "what's",
        "whats",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "the",
        "a",
        "an",
        "please",
        "pls",
        "can",
        "could",
        "would",
        "will",
        "you",
        "me",
        "tell",
        "calculate",
        "compute",
        "work",
        "out",
        "find",
        "give",
        "get",
        "determine",
        "evaluate",
        "how",
        "much",
        "do",
        "does",
        "did",
        "i",
        "i'd",
        "i'm",
        "im",
        "need",
        "want",
        "wanna",
        "to",
        "know",
        "let's",
        "lets",
        "us",
        "we",
        "quickly",
        "exactly",
        "hey",
        "hi",
        "hello",
        "thanks",
        "thank",
        "ok",
        "okay",
        "so",
        "now",
        "also",
        "and",
        "then",
        "next",
        "finally",
        "just",
        "quick",
        "figure",
        "help",
        "my",
        "for",
        "like",
        "kindly",
        "equal",
        "equals",
        "solve",
        "say",
        "show",
        "of",
        "value",
        "there",
        "here",
        "take",
        "first",
        "firstly",
        "finally",
        "lastly",
        ",",
        "?",
        ".",
        "!",
        ";",
        ":",
        "=",
        "up",
    ]
)
#: Nouns that, after "the", "that" or "this", mean the previous result ("the result").
REF_NOUNS = frozenset(["result", "answer", "number", "value", "total", "amount", "outcome"])


@lru_cache(maxsize=512)
def _words(phrase: str) -> tuple[str, ...]:
    return tuple(phrase.split())


class Cursor:
    """Reads ``tokens[lo:hi]`` left to right.

    Args:
        tokens: The tokens.
        lo: First index to read.
        hi: Index after the last one to read.
    """

    def __init__(self, tokens: list[Token], lo: int = 0, hi: int | None = None) -> None:
        self.tokens = tokens
        self.i = lo
        self.hi = len(tokens) if hi is None else hi

    def copy(self) -> Cursor:
        """An independent cursor at the same place."""
        return Cursor(self.tokens, self.i, self.hi)

    def peek(self, ahead: int = 0) -> Token | None:
        """The token ``ahead`` places on, or ``None`` past the end."""
        j = self.i + ahead
        return self.tokens[j] if j < self.hi else None

    def low(self, ahead: int = 0) -> str:
        """Lower-case text of :meth:`peek` (``""`` past the end)."""
        tok = self.peek(ahead)
        return tok.low if tok is not None else ""

    def at(self, *words: str) -> bool:
        """Whether the next tokens read ``words`` (``"a|an"`` accepts either)."""
        i, tokens = self.i, self.tokens
        if i + len(words) > self.hi:
            return False
        for k, word in enumerate(words):
            low = tokens[i + k].low
            if low != word and ("|" not in word or low not in word.split("|")):
                return False
        return True

    def take(self, *words: str) -> bool:
        """Consume ``words`` when :meth:`at` them."""
        if self.at(*words):
            self.i += len(words)
            return True
        return False

    def take_any(self, *phrases: str) -> str | None:
        """Consume the first of ``phrases`` (space-separated words) found here; return it."""
        if self.i >= self.hi:
            return None
        first = self.tokens[self.i].low
        for phrase in phrases:
            words = _words(phrase)
            if words[0] == first and self.take(*words):
                return phrase
        return None

    def number(self) -> Token | None:
        """Consume and return a number token."""
        tok = self.peek()
        if tok is not None and tok.kind == "num" and isinstance(tok.value, Decimal):
            self.i += 1
            return tok
        return None

    def take_ref(self) -> bool:
        """Consume words meaning the previous result: "it", "that", "the result", "this number"."""
        c = self.copy()
        pointer = c.take_any("the", "that", "this")
        c.take_any("previous", "last", "first")
        noun = c.low() in REF_NOUNS and c.low(1) != "of"  # "the total of 3 and 4" is a sum
        if noun and c.i > self.i:
            self.i = c.i + 1
            return True
        if pointer in ("that", "this") or self.at("it"):
            self.i = c.i if pointer else self.i + 1
            return True
        return False

    def skip_ignorable(self) -> None:
        """Move past :data:`IGNORABLE` tokens."""
        while (tok := self.peek()) is not None and tok.kind != "num" and tok.low in IGNORABLE:
            self.i += 1

    def done(self) -> bool:
        """Whether only ignorable tokens are left."""
        c = self.copy()
        c.skip_ignorable()
        return c.i >= c.hi
