"""Call a tool the policy knows nothing special about: pick it by name, bind arguments by meaning.

A tool is picked when the request mentions every distinctive word of its name ("book a table"
for ``book_table``; verbs like "get" or "compute" do not count) and no other tool as well.

Each number, quoted phrase, capitalised name, date and time in the request is a *mention*, with
*cues*: the word before it ("for 4", "at Chez Paul"), the word after it ("4 people",
"30 dollars"), a currency sign or a ``%``. A parameter's vocabulary is its name (weighty), its
description and a few synonym groups (price, cost, dollars, total...; people, guests, party...).
Mentions go to parameters so that cues and vocabularies agree best; the binding is kept only when
it is the single best one. A number with no cue at all may still go to the one parameter left
when every other has been bound by its cues ("12 units cost 30 dollars": ``units=12`` by its
cue, ``total=30`` as the one left). Anything unsure — two readings as good, a number or date left
over, a date the text does not fix ("tomorrow", "March 14" without a year), "at 7" without
am/pm, a required parameter with nothing for it — declines the call.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from nemotron_agents.testing.emulator.offline.cursor import IGNORABLE
from nemotron_agents.testing.emulator.offline.intents import ToolUse
from nemotron_agents.testing.emulator.offline.lexer import Token, number_text
from nemotron_agents.testing.emulator.offline.offered import Offered, Param
from nemotron_agents.testing.emulator.offline.words import STOP_WORDS, content_words, similar, stem
from nemotron_agents.tools.builtin.units import find_dimension

__all__ = ["Mention", "bind_arguments", "mentions", "pick_tool"]

_GENERIC_VERBS = frozenset(
    ["get", "fetch", "find", "lookup", "look", "compute", "calculate", "check", "retrieve"]
)
_GROUPS = [
    frozenset(g.split())
    for g in (
        "price cost total amount paid pay spent spend bill dollar euro usd money charge sum $ € £",
        "unit item piece count quantity qty bought purchased",
        "people person guest diner party size pax seat cover adult",
        "percent percentage pct rate %",
        "city town location place in",
        "restaurant venue place location at cafe bistro bar",
        "name person customer who",
    )
]
_ARTICLES = frozenset({"a", "an", "the"})
_NAME_GLUE = frozenset({"de", "del", "la", "le", "du", "of", "&", "von", "van"})
#: Description words that say nothing about what a parameter is for.
_VAGUE = frozenset(
    [
        "default",
        "defaults",
        "value",
        "specified",
        "specify",
        "optional",
        "given",
        "type",
        "name",
        "data",
        "info",
        "information",
        "number",
        "list",
        "string",
        "whether",
        "format",
        "example",
        "used",
        "use",
        "can",
        "set",
        "provided",
        "true",
        "false",
        "none",
        "return",
        "returned",
        "result",
    ]
)
_DATE_LAYOUT = re.compile(r"\b(Y{2,4}|MM|DD)([-/.])(Y{2,4}|MM|DD)(\2)(Y{2,4}|MM|DD)\b")
_CITY_STATE = re.compile(r"(?i:city,\s*state|city and state)|\b[A-Z][a-z]+, [A-Z]{2}\b")
_FREE_TEXT = frozenset(
    [
        "text",
        "note",
        "message",
        "content",
        "body",
        "query",
        "search",
        "prompt",
        "question",
        "topic",
        "comment",
        "keyword",
        "term",
    ]
)
_QUALIFIERS = frozenset({",", "in", "at", "of", "near"})  # "Paris, France", "Chez Paul in Paris"
_LEAD_INS = frozenset({"for", "about", "that", "saying", "to", ":", "-", "with", "on"})
_MAX_VALUES = 6
_MAX_PARAMS = 8


@dataclass
class Mention:
    """A value the request mentions.

    Attributes:
        kind: ``"number"``, ``"text"``, ``"date"`` or ``"time"``.
        value: ``Decimal``, ``str``, ISO date, ``HH:MM`` (``None`` when the text does not fix it).
        shown: As written.
        cues: Stem -> weight of the words around it.
        start: Offset of its first character in the text.
        end: Offset after its last character.
        quoted: A quoted phrase: a value said explicitly, bound even without a cue.
        percent: A number followed by ``%`` or "percent".
    """

    kind: str
    value: Any
    shown: str
    cues: dict[str, int] = field(default_factory=dict)
    start: int = 0
    end: int = 0
    quoted: bool = False
    percent: bool = False


def _word_before(tokens: list[Token], i: int) -> Token | None:
    j = i - 1
    while j >= 0 and tokens[j].low in _ARTICLES:
        j -= 1
    return tokens[j] if j >= 0 else None


def _cue(tok: Token | None, weight: int, cues: dict[str, int]) -> None:
    if tok is None:
        return
    if tok.kind == "cur":
        cues["dollar"] = max(cues.get("dollar", 0), weight + 1)
    elif tok.low == "%":
        cues["percent"] = max(cues.get("percent", 0), weight + 1)
    elif tok.kind == "word":
        key = stem(tok.low)
        cues[key] = max(cues.get(key, 0), weight)


def _plain(words: list[Token], tool_words: AbstractSet[str]) -> bool:
    # "Can" opening a quoted question, "Whole Foods" in whole_foods.find: not argument values.
    return all(
        t.low in IGNORABLE or t.low in STOP_WORDS or stem(t.low) in tool_words for t in words
    )


def mentions(tokens: list[Token], tool_words: frozenset[str] = frozenset()) -> list[Mention]:
    """Numbers, quoted phrases, capitalised names, dates and times in ``tokens``, with cues.

    Args:
        tokens: The request part's tokens.
        tool_words: The tool's name words: a name made of them names the tool, not a value.
    """
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        cues: dict[str, int] = {}
        if tok.kind in ("num", "quote", "date", "time"):
            _cue(_word_before(tokens, i), 1, cues)
            if tok.kind == "num":
                after = tokens[i + 1] if i + 1 < len(tokens) else None
                _cue(after, 2, cues)
                value = tok.value
                assert isinstance(value, Decimal)  # a number token's value is its Decimal
                shown = tok.text if not tok.spoken else number_text(value)
                percent = after is not None and after.low in ("%", "percent", "per")
                found.append(
                    Mention("number", value, shown, cues, tok.start, tok.end, percent=percent)
                )
            else:
                kind = "text" if tok.kind == "quote" else tok.kind
                found.append(
                    Mention(
                        kind, tok.value, tok.text, cues, tok.start, tok.end, quoted=kind == "text"
                    )
                )
            i += 1
            continue
        if tok.kind == "word" and tok.cap:
            j = i + 1
            while j < len(tokens) and (
                tokens[j].cap
                or (tokens[j].low in _NAME_GLUE and j + 1 < len(tokens) and tokens[j + 1].cap)
            ):
                j += 1
            if not _plain(tokens[i:j], tool_words):
                _cue(_word_before(tokens, i), 1, cues)
                text = " ".join(t.text for t in tokens[i:j])
                found.append(Mention("text", text, text, cues, tok.start, tokens[j - 1].end))
            i = j
            continue
        i += 1
    return found


def _vocabulary(param: Param) -> dict[str, int]:
    weights: dict[str, int] = {}
    for word in content_words(param.description):
        weights[word] = 1
    for word in content_words(param.name):
        weights[word] = 3
    for group in _GROUPS:
        if group & weights.keys():
            for word in group:
                weights.setdefault(word, 1)
    return weights


def _score(mention: Mention, vocabulary: dict[str, int]) -> int:
    return sum(weight * vocabulary.get(cue, 0) for cue, weight in mention.cues.items())


def _name_words(tool: Offered) -> list[str]:
    return [w for w in tool.words() if w not in _GENERIC_VERBS]


def pick_tool(words: Any, tools: list[Offered]) -> Offered | None:
    """The one tool whose distinctive name words the request all mentions, or ``None``.

    Args:
        words: What the request mentions: anything with ``has(stem) -> bool``, such as a
            :class:`~.words.WordIndex`.
        tools: The candidate tools.
    """
    named = [t for t in tools if _name_words(t) and all(words.has(w) for w in _name_words(t))]
    if len(named) == 1:
        return named[0]
    # Several: the one naming the most words wins ("book_table" over "table"); a tie is unclear.
    named.sort(key=lambda t: -len(_name_words(t)))
    if len(named) > 1 and len(_name_words(named[0])) > len(_name_words(named[1])):
        return named[0]
    return None


def _is_date(param: Param) -> bool:
    return param.format == "date" or "date" in param.words() or param.words() == ["day"]


def _is_time(param: Param) -> bool:
    return param.format == "time" or any(w in ("time", "hour") for w in param.words())


def _date_text(param: Param, iso: str) -> str:
    """The date in the layout the description asks for ("MM-DD-YYYY"), else ISO."""
    year, month, day = iso.split("-")
    layout = _DATE_LAYOUT.search(param.description.upper())
    if layout is None:
        return iso
    parts = {"Y": year, "M": month, "D": day}
    first, sep, second, _, third = layout.groups()
    return sep.join(parts[p[0]] for p in (first, second, third))


def _time_text(param: Param, clock: str) -> str:
    return (
        clock + ":00"
        if param.format == "time" or "HH:MM:SS" in param.description.upper()
        else clock
    )


class _Unsure(Exception):
    """The binding is not clear enough to call the tool."""


def _one(found: list[Mention], param: Param, what: str) -> Mention | None:
    if not found:
        if param.required:
            raise _Unsure(f"no {what} is given for {param.name}")
        return None
    if len(found) > 1:
        raise _Unsure(f"more than one {what} for {param.name}")
    if found[0].value is None:
        raise _Unsure(f"the {what} '{found[0].shown}' is not fixed by the text")
    return found[0]


def _assign(items: list[Mention], params: list[Param], *, all_used: bool) -> dict[str, Mention]:
    """Best one-to-one binding of ``items`` to ``params`` by cue scores (see the module docs).

    Args:
        items: The mentions to bind.
        params: The parameters they may go to.
        all_used: Every mention must be bound (numbers: one left over is not understood).
    """
    required = [p for p in params if p.required]
    if all_used and len(items) > len(params):
        raise _Unsure(f"'{items[len(params)].shown}' does not fit any parameter")
    if len(items) < len(required):
        raise _Unsure(f"nothing in the request for {required[len(items)].name}")
    if len(items) > _MAX_VALUES or len(params) > _MAX_PARAMS:
        raise _Unsure("too many values to bind with confidence")
    vocab = {p.name: _vocabulary(p) for p in params}
    lone = len(items) == 1 and len(params) == 1  # the only value for the only parameter
    sizes = [len(items)] if all_used else range(len(required), min(len(items), len(params)) + 1)
    options: list[tuple[int, dict[str, Mention]]] = []
    for size in sizes:
        for chosen in itertools.combinations(items, size):
            for targets in itertools.permutations(params, size):
                if any(p not in targets for p in required):
                    continue
                pairs = list(zip(chosen, targets, strict=False))
                if any(p.kind == "integer" and not _integral(m.value) for m, p in pairs):
                    continue
                scores = [_score(m, vocab[p.name]) for m, p in pairs]
                zeros = [(m, p) for s, (m, p) in zip(scores, pairs, strict=False) if s == 0]
                # A number or a quoted phrase with no cue may fill one required parameter: the
                # last one left when the others are bound by their cues, or the only one there
                # is. A capitalised name needs a cue ("in Paris", "at Chez Paul").
                if zeros:
                    (m, p), *more = zeros
                    if (
                        more
                        or not p.required
                        or not (lone or size >= 2)
                        or (m.kind == "text" and not m.quoted)
                    ):
                        continue
                options.append((sum(scores), {p.name: m for m, p in pairs}))
    if not options:
        raise _Unsure("the values do not fit the parameters")
    options.sort(key=lambda o: -o[0])
    if len(options) > 1 and options[1][0] == options[0][0] and options[1][1] != options[0][1]:
        raise _Unsure("two bindings fit equally well")
    return options[0][1]


def _integral(value: Any) -> bool:
    return isinstance(value, Decimal) and value == value.to_integral_value()


def _number(mention: Mention, param: Param) -> int | float:
    """The argument for a number; a percentage only where the description says how it is
    written (15 for "in percent", 0.15 for "as a decimal")."""
    value = mention.value
    if mention.percent:
        said = param.description.lower()
        if "decimal" in said or "fraction" in said or re.search(r"\b0\.\d", said):
            value = value / 100
        elif not ("percent" in said or "%" in said):
            raise _Unsure(
                f"{mention.shown}% is a percentage, and {param.name} does not say whether it takes "
                f"{mention.shown} or {number_text(value / 100)}"
            )
    return int(value) if _integral(value) else float(value)


def _enum_mentioned(param: Param, said: list[str]) -> Any:
    """The one enum value the request says ("historical record" for "historical records")."""
    found = []
    joined = f" {' '.join(said)} "
    for value in param.enum or ():
        if isinstance(value, str):
            words = [stem(w) for w in re.split(r"[\s_\-]+", value) if w]
            if words and f" {' '.join(words)} " in joined:
                found.append(value)
    return found[0] if len(found) == 1 else None


def _words_of(tokens: list[Token]) -> list[str]:
    return [stem(t.low) for t in tokens if t.kind == "word"]


def bind_arguments(tool: Offered, tokens: list[Token], text: str) -> ToolUse | str:
    """The call of ``tool`` the request asks for, or the reason its arguments are not clear.

    Args:
        tool: The picked tool.
        tokens: The request part's tokens.
        text: The part's text.
    """
    tool_words = frozenset(tool.words())
    found = mentions(tokens, tool_words)
    binding = _Binding(tool, tokens, found, _remainder(tool, tokens, text))
    try:
        args = binding.bind()
    except _Unsure as exc:
        return str(exc)
    return ToolUse(tool.name, args, binding.unused(text))


def _remainder(tool: Offered, tokens: list[Token], text: str) -> tuple[str, int]:
    """The words after the tool's name in the request ("save a note: buy milk" -> "buy
    milk") and where they start: the value of a free-text parameter when nothing is quoted."""
    names = set(tool.words())
    last = max(
        (i for i, t in enumerate(tokens) if t.kind == "word" and stem(t.low) in names), default=-1
    )
    i = last + 1
    while i < len(tokens) and (tokens[i].low in _LEAD_INS or tokens[i].kind == "punct"):
        i += 1
    if last < 0 or i >= len(tokens):
        return "", len(text)
    start = tokens[i].start - tokens[0].start
    return text[start : tokens[-1].end - tokens[0].start].rstrip(" .?!"), tokens[i].start


class _Binding:
    def __init__(
        self, tool: Offered, tokens: list[Token], found: list[Mention], remainder: tuple[str, int]
    ) -> None:
        self.tool = tool
        self.tokens = tokens
        self.found = found
        self.remainder = remainder
        self.args: dict[str, Any] = {}
        self.spans: list[tuple[int, int]] = []  # what the bound values cover in the text

    def take(self, param: Param, value: Any, start: int, end: int) -> None:
        self.args[param.name] = value
        self.spans.append((start, end))

    def unused(self, text: str) -> tuple[str, ...]:
        """Runs of words no parameter took and nothing explains: not the tool's name, not a
        bound value or the word that cued it, not a word of any parameter's name or description,
        not a frame word ("please", "what is")."""
        vocabulary = set(self.tool.words())
        for param in self.tool.params:
            vocabulary |= set(_vocabulary(param))
        for value in self.args.values():  # an enum value the request said ("sport")
            if isinstance(value, str):
                vocabulary |= {stem(w) for w in re.split(r"[\s_\-]+", value.lower()) if w}
        explained = [False] * len(self.tokens)
        for i, tok in enumerate(self.tokens):
            if any(start <= tok.start < end for start, end in self.spans):
                explained[i] = True
                before = i - 1
                while before >= 0 and self.tokens[before].low in _ARTICLES:
                    before -= 1
                for j in (before, i + 1):
                    if 0 <= j < len(self.tokens):
                        explained[j] = True
        runs: list[list[int]] = []
        for i, tok in enumerate(self.tokens):
            meaningful = (
                tok.kind == "word" and tok.low not in IGNORABLE and tok.low not in STOP_WORDS
            )
            if (
                meaningful
                and not explained[i]
                and not any(similar(stem(tok.low), v) for v in vocabulary)
            ):
                if runs and runs[-1][-1] >= i - 2:  # "outdoor seating", "for my anniversary"
                    runs[-1].append(i)
                else:
                    runs.append([i])
        base = self.tokens[0].start if self.tokens else 0
        return tuple(
            text[self.tokens[r[0]].start - base : self.tokens[r[-1]].end - base] for r in runs
        )

    def bind(self) -> dict[str, Any]:
        self.free_text()
        rest: list[Param] = []
        said = _words_of(self.tokens)
        used: list[Mention] = []
        for param in self.tool.params:
            if param.name in self.args:
                continue
            if param.kind == "enum":
                value = _enum_mentioned(param, said)
                if value is not None:
                    self.args[param.name] = value
                elif param.required:
                    allowed = ", ".join(map(str, param.enum or ()))
                    raise _Unsure(f"none of the values of {param.name} ({allowed}) is mentioned")
            elif param.kind == "string" and (_is_date(param) or _is_time(param)):
                kind = "date" if _is_date(param) else "time"
                mention = _one([m for m in self.found if m.kind == kind], param, kind)
                if mention is not None:
                    used.append(mention)
                    fmt = _date_text if kind == "date" else _time_text
                    self.take(param, fmt(param, mention.value), mention.start, mention.end)
            elif param.kind in ("number", "integer", "string"):
                rest.append(param)
            elif param.required:
                raise _Unsure(f"{param.name} ({param.kind}) cannot be read from text")
        leftover = [
            m for m in self.found if m.kind in ("date", "time") and not any(m is u for u in used)
        ]
        if leftover:
            raise _Unsure(f"'{leftover[0].shown}' does not fit any parameter")
        numbers = [m for m in self.found if m.kind == "number"]
        for name, mention in _assign(
            numbers, [p for p in rest if p.kind != "string"], all_used=True
        ).items():
            param = next(p for p in rest if p.name == name)
            self.take(param, _number(mention, param), mention.start, mention.end)
        texts = [m for m in self.found if m.kind == "text"]
        bound = _assign(texts, [p for p in rest if p.kind == "string"], all_used=False)
        for name, mention in bound.items():
            param = next(p for p in rest if p.name == name)
            if _CITY_STATE.search(param.description) and "," not in mention.value:
                raise _Unsure(
                    f"{param.name} wants a city and state, and only '{mention.value}' is given"
                )
            self.take(param, mention.value, mention.start, mention.end)
        self.check_names_left(texts, list(bound.values()))
        self.check_nothing_else_said()
        return {p.name: self.args[p.name] for p in self.tool.params if p.name in self.args}

    def free_text(self) -> None:
        text, start = self.remainder
        strings = [p for p in self.tool.params if p.kind == "string"]
        free = [p for p in strings if p.required and set(p.words()) & _FREE_TEXT]
        # Only for the tool's one text parameter: with others ("topic" and "region"), the words
        # after the name may hold their values too ("news on Bitcoin in US").
        if (
            len(strings) != 1
            or len(free) != 1
            or not text
            or any(m.quoted for m in self.found if m.start >= start)
        ):
            return
        # "save a note: buy milk today": what follows the tool's name is the text, dates and all.
        if len(text) > int(free[0].schema.get("maxLength") or len(text)):
            raise _Unsure(f"the text for {free[0].name} is longer than it allows")
        self.take(free[0], text, start, start + len(text))
        self.found = [m for m in self.found if m.start < start]

    def check_names_left(self, texts: list[Mention], bound: list[Mention]) -> None:
        """A name left over may qualify a bound one ("Chez Paul in Paris", "Paris, France");
        one standing apart ("hotels in Paris and New York") is a second value: unclear."""
        ends = [self.index_of(m.end - 1) for m in bound]
        for mention in texts:
            if any(mention is b for b in bound) or mention.quoted:
                continue
            start = self.index_of(mention.start)
            between = [
                {t.low for t in self.tokens[end + 1 : start]}
                for end in ends
                if 0 < start - end <= 2
            ]
            if not any(words <= _QUALIFIERS for words in between):
                raise _Unsure(f"'{mention.shown}' does not fit any parameter")

    def index_of(self, offset: int) -> int:
        return next(i for i, t in enumerate(self.tokens) if t.start <= offset < t.end)

    def check_nothing_else_said(self) -> None:
        """Refuse a call that leaves out a parameter the request talks about ("... vegan food"
        for ``dietary_preference``, "in km/h" for ``to_unit``): its default would answer a
        different question."""
        tool_words = set(self.tool.words())
        said = [
            stem(t.low)
            for t in self.tokens
            if t.kind == "word"
            and t.low not in IGNORABLE
            and t.low not in STOP_WORDS
            and stem(t.low) not in tool_words
            and not any(start <= t.start < end for start, end in self.spans)
        ]
        units = any(
            t.kind == "word" and len(t.text) > 1 and find_dimension(t.text) for t in self.tokens
        )
        for param in self.tool.params:
            if param.name in self.args:
                continue
            about = {w for w in param.words() + content_words(param.description) if w not in _VAGUE}
            values = param.enum or tuple((param.schema.get("items") or {}).get("enum") or ())
            about |= {
                stem(w) for v in values if isinstance(v, str) for w in re.split(r"[\s_\-]+", v) if w
            }
            about -= tool_words
            if any(similar(s, a) for s in said for a in about) or (
                units and "unit" in param.words()
            ):
                raise _Unsure(
                    f"the request says something about {param.name} that I could not read"
                )
