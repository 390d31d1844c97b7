"""Content words of names, descriptions and requests, and loose matching between them.

Words match when equal or when they share a prefix of six letters or more that covers three
quarters of the shorter word ("percent" and "percentage", "convert" and "conversion").
:class:`WordIndex` answers that in constant time per word, by bucketing on the six-letter prefix,
so matching a request against a tool costs time linear in their lengths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

__all__ = ["STOP_WORDS", "WordIndex", "content_words", "similar", "stem"]

#: Words that say nothing about which tool is meant.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "my",
        "your",
        "our",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "please",
        "tell",
        "give",
        "get",
        "set",
        "use",
        "call",
        "run",
        "tool",
        "function",
        "s",
        "t",
        "just",
        "now",
        "current",
        "currently",
        "some",
        "any",
        "all",
    ]
)
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_PREFIX = 6


def stem(word: str) -> str:
    """Lower case, plural dropped: "Units" -> "unit", "parties" -> "party"."""
    word = word.lower()
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """Stems of the words of ``text`` that are not stop words, camelCase and snake_case split,
    ``%`` read as "percent", in order."""
    out = []
    for word in _WORD_RE.findall((text or "").replace("%", " percent ")):
        word = word.lower()
        if word in STOP_WORDS or len(word) < 2:
            continue
        out.append(stem(word))
    return out


def _close(a: str, b: str) -> bool:
    shared = len(os.path.commonprefix([a, b]))  # noqa: RUF071 (letters, not path parts)
    return shared >= _PREFIX and shared >= 0.75 * min(len(a), len(b))


def similar(a: str, b: str) -> bool:
    """Whether two stems match (equal, or a long shared prefix; see the module docstring)."""
    return a == b or _close(a, b)


class WordIndex:
    """A set of stems that answers "is a word like this one in it?".

    Args:
        words: Stems (see :func:`stem`).
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = set(words)
        self._buckets: dict[str, list[str]] = {}
        for word in self.words:
            if len(word) >= _PREFIX:
                self._buckets.setdefault(word[:_PREFIX], []).append(word)

    def has(self, word: str) -> bool:
        """Whether ``word`` or a word sharing its long prefix is in the index."""
        if word in self.words:
            return True
        if len(word) < _PREFIX:
            return False
        return any(_close(word, other) for other in self._buckets.get(word[:_PREFIX], ()))
