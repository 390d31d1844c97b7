"""Split a request into parts and read each as one step.

The text is cut at sentence ends and sequencing words ("then", "after that", "also"). A piece
that reads as one intent (:mod:`.grammar`) or one call of a named tool (:mod:`.binding`) is a
step. A piece that does not is first read together with the next one or two, unless the next
one reads on its own ("If 12 units cost 30 dollars, then what is the price per unit?" is one
step); failing that, it is cut again at "and" and commas, and runs of up to four of those
pieces are read, longest first ("add 17 and 25" keeps its "and"). What still reads as nothing
is a declined part, named in the answer. When a declined part holds a value (a number, date,
time or quoted phrase), or speaks of a tool another part calls or of its parameters, the whole
request is declined: the rest read alone could be a different question ("4 units cost 10
dollars and 5 units cost 20 dollars: the price per unit?", "a house with 3 bedrooms and a
garden").

A step that refers to the previous result ("multiply it by 3", "then add 10%") runs after the
step before it; the others are independent and are called together in one turn.

Every piece is read a bounded number of times, so the work is linear in the text's length.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from nemotron_agents.testing.emulator.offline.binding import bind_arguments, pick_tool
from nemotron_agents.testing.emulator.offline.cursor import IGNORABLE, Cursor
from nemotron_agents.testing.emulator.offline.grammar import read_intent
from nemotron_agents.testing.emulator.offline.intents import Intent, ToolUse, uses_ref
from nemotron_agents.testing.emulator.offline.lexer import Token, tokenize
from nemotron_agents.testing.emulator.offline.offered import Offered
from nemotron_agents.testing.emulator.offline.shapes import Previous, is_shaped, prepare
from nemotron_agents.testing.emulator.offline.words import content_words, similar
from nemotron_agents.tools.builtin.units import find_dimension

__all__ = ["MAX_STEPS", "Step", "understand"]

#: Most steps one request may have; a longer list of questions is declined as a whole.
MAX_STEPS = 8
_SEQUENCE: dict[str, tuple[tuple[str, ...], ...]] = {
    "and": (("and", "then"), ("and", "also")),
    "then": (("then",),),
    "after": (("after", "that"),),
    "afterwards": (("afterwards",),),
    "also": (("also",),),
}
_MAX_MERGE = 3  # sentences read together
_VALUE_KINDS = frozenset({"num", "date", "time", "quote"})
_VALUES_LEFT = (
    "it holds values I could not place, and answering only the rest could answer a different "
    "question"
)
_MAX_PIECES = 4  # "and"/comma pieces read together


@dataclass(frozen=True)
class Step:
    """One part of the request.

    Attributes:
        index: Position among the steps.
        text: The user's words for it.
        intent: What to do; ``None`` for a part that is declined.
        after: Index of the step whose result it uses, if any.
        reason: Why it is declined (when ``intent`` is ``None``).
    """

    index: int
    text: str
    intent: Intent | None
    after: int | None = None
    reason: str = ""


def _segments(tokens: list[Token]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = i = 0
    while i < len(tokens):
        tok = tokens[i]
        width = 0
        if tok.kind == "punct" and tok.low in ".?!;":
            width = 1
        else:
            for words in _SEQUENCE.get(tok.low, ()):
                if all(i + k < len(tokens) and tokens[i + k].low == w for k, w in enumerate(words)):
                    width = len(words)
                    break
        if width:
            if i > start:
                out.append((start, i))
            i += width
            start = i
        else:
            i += 1
    if start < len(tokens):
        out.append((start, len(tokens)))
    return out


def _pieces(tokens: list[Token], lo: int, hi: int) -> list[tuple[int, int]]:
    out = []
    start = lo
    for i in range(lo, hi):
        if tokens[i].low in ("and", ","):
            if i > start:
                out.append((start, i))
            start = i + 1
    if start < hi:
        out.append((start, hi))
    return out


def _empty(tokens: list[Token], lo: int, hi: int) -> bool:
    return all(t.kind != "num" and t.low in IGNORABLE for t in tokens[lo:hi])


class _Window:
    """The tool-name words a stretch of the request mentions (see :class:`_Reader`)."""

    def __init__(self, positions: dict[str, list[int]], lo: int, hi: int) -> None:
        self.positions, self.lo, self.hi = positions, lo, hi

    def has(self, word: str) -> bool:
        found = self.positions.get(word, [])
        k = bisect.bisect_left(found, self.lo)
        return k < len(found) and found[k] < self.hi


class _Reader:
    """Reads stretches of one request, remembering what it read.

    Everything a read needs about the whole text is computed once: where each tool-name word
    occurs and how many numbers come before each token. A stretch with no number, no tool
    named in it and no previous result to refer to is rejected without parsing, so long
    requests cost time linear in their length.
    """

    def __init__(self, text: str, tokens: list[Token], tools: list[Offered]) -> None:
        self.text = text
        self.tokens = tokens
        self.tools = tools
        self.named_tools = [t for t in tools if not is_shaped(t)]
        self.steps: list[Step] = []
        self.reason = ""
        self.declined_from: int | None = None  # where the last declined stretch starts
        self.declined_values = False  # a declined stretch holds a number, date, time or quote
        self.memo: dict[tuple[int, int, int], tuple[Step | None, str]] = {}
        self.mapped = 0  # steps read so far that are not declined
        # How many numbers, and "a"/"an" before a unit ("a mile"), come before each token.
        self.numbers_before = [0]
        for i, tok in enumerate(tokens):
            quantity = tok.kind == "num" or (
                tok.low in ("a", "an")
                and i + 1 < len(tokens)
                and find_dimension(tokens[i + 1].text) is not None
            )
            self.numbers_before.append(self.numbers_before[-1] + quantity)
        names = {w for t in self.named_tools for w in t.words()}
        self.positions: dict[str, list[int]] = {w: [] for w in names}
        for i, tok in enumerate(tokens if names else ()):
            if tok.kind == "word":
                for said in content_words(tok.text):
                    for word in names:
                        if similar(said, word):
                            self.positions[word].append(i)

    def span(self, lo: int, hi: int) -> str:
        return self.text[self.tokens[lo].start : self.tokens[hi - 1].end]

    def previous(self) -> Step | None:
        last = self.steps[-1] if self.steps else None
        if last is None or last.intent is None or isinstance(last.intent, ToolUse):
            return None
        return last

    def read(self, lo: int, hi: int) -> Step | None:
        """The step the tokens ``lo:hi`` read as, or ``None`` (with :attr:`reason` set)."""
        key = (lo, hi, len(self.steps))
        if key not in self.memo:
            step = self._read(lo, hi)
            self.memo[key] = (step, self.reason)
        step, self.reason = self.memo[key]
        return step

    def _read(self, lo: int, hi: int) -> Step | None:
        self.reason = ""
        tool = (
            pick_tool(_Window(self.positions, lo, hi), self.named_tools)
            if self.named_tools
            else None
        )
        previous = self.previous()
        if tool is None and previous is None and self.numbers_before[hi] == self.numbers_before[lo]:
            return None  # nothing to compute and no tool named: no reading can succeed
        part = self.span(lo, hi)
        if tool is not None:
            use = bind_arguments(tool, self.tokens[lo:hi], part)
            if isinstance(use, str):
                self.reason = f"{tool.name}: {use}"
                return None
            return Step(len(self.steps), part, use)
        intent = read_intent(Cursor(self.tokens, lo, hi), has_prev=previous is not None)
        if intent is None:
            return None
        if uses_ref(intent):
            assert previous is not None
            # Only whether a tool fits is checked here; the call is made with the real result.
            check = prepare(intent, self.tools, Previous("1", "m"))
            after: int | None = previous.index
        else:
            check = prepare(intent, self.tools)
            after = None
        if isinstance(check, str):
            self.reason = check
            return None
        return Step(len(self.steps), part, intent, after)

    def add(self, step: Step) -> None:
        self.steps.append(step)
        self.mapped += 1
        self.declined_from = None

    def decline(self, lo: int, hi: int, reason: str) -> None:
        if any(t.kind in _VALUE_KINDS for t in self.tokens[lo:hi]):
            self.declined_values = True
        if self.declined_from is not None and not reason and not self.steps[-1].reason:
            # Neighbouring pieces of one unreadable stretch are declined together.
            last = self.steps[-1]
            self.steps[-1] = Step(
                last.index, self.text[self.declined_from : self.tokens[hi - 1].end], None
            )
            return
        self.steps.append(Step(len(self.steps), self.span(lo, hi), None, reason=reason))
        self.declined_from = self.tokens[lo].start

    def read_segment(self, lo: int, hi: int) -> None:
        pieces = _pieces(self.tokens, lo, hi)
        s = 0
        while s < len(pieces):
            for width in range(min(_MAX_PIECES, len(pieces) - s), 0, -1):
                step = self.read(pieces[s][0], pieces[s + width - 1][1])
                if step is not None:
                    self.add(step)
                    s += width
                    break
            else:
                p_lo, p_hi = pieces[s]
                if not _empty(self.tokens, p_lo, p_hi):
                    self.decline(p_lo, p_hi, self.reason)
                s += 1


def _read_merged(reader: _Reader, segments: list[tuple[int, int]], k: int) -> int:
    """Read segment ``k`` alone or with the next ones; the number of segments used (0: none)."""
    for width in range(1, _MAX_MERGE + 1):
        if k + width > len(segments):
            return 0
        if width > 1 and reader.read(*segments[k + width - 1]) is not None:
            return 0  # the next sentence stands on its own: do not swallow it
        step = reader.read(segments[k][0], segments[k + width - 1][1])
        if step is not None:
            reader.add(step)
            return width
    return 0


def understand(text: str, tools: list[Offered]) -> list[Step]:
    """The steps of a request (see the module docstring).

    Args:
        text: The user's message.
        tools: The offered tools.
    """
    tokens = tokenize(text)
    reader = _Reader(text, tokens, tools)
    segments = [seg for seg in _segments(tokens) if not _empty(tokens, *seg)]
    k = 0
    while k < len(segments):
        used = _read_merged(reader, segments, k)
        if not used:
            reader.read_segment(*segments[k])
            used = 1
        k += used
        if reader.mapped > MAX_STEPS:
            return [Step(0, text, None, reason=f"more than {MAX_STEPS} questions in one message")]
    if reader.declined_values and reader.mapped:
        # "4 units cost 10 dollars and 5 units cost 20 dollars: price per unit?" must not be
        # answered from the second half alone.
        return [Step(0, text, None, reason=_VALUES_LEFT)]
    for step in reader.steps:
        if isinstance(step.intent, ToolUse) and any(
            s.intent is None and _about(s.text, tools, step.intent.name) for s in reader.steps
        ):
            # "Design a house with 3 bedrooms and a garden": the part left over ("a garden")
            # belongs to the call; making it without would answer a different request.
            return [
                Step(
                    0,
                    text,
                    None,
                    reason=f"part of it adds to the {step.intent.name} call in a way I cannot read",
                )
            ]
    return reader.steps


def _about(text: str, tools: list[Offered], name: str) -> bool:
    """Whether ``text`` speaks of the tool ``name`` or one of its parameters."""
    tool = next(t for t in tools if t.name == name)
    vocabulary = set(tool.words()) | {w for p in tool.params for w in p.words()}
    return any(similar(w, v) for w in content_words(text) if w not in IGNORABLE for v in vocabulary)
