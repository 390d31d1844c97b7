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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from nemotron_agents.testing.emulator.offline.lexer import Token, number_text
from nemotron_agents.testing.emulator.offline.offered import Offered, Param
from nemotron_agents.testing.emulator.offline.words import content_words, stem

__all__ = ["pick_tool", "bind_arguments", "Mention", "mentions"]

_GENERIC_VERBS = frozenset("get fetch find lookup look compute calculate check retrieve".split())
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
_NAME_GLUE = frozenset({"de", "del", "la", "le", "du", "of", "&", "and", "y", "von", "van"})
_FREE_TEXT = frozenset(
    "text note message content body query search prompt question topic comment keyword term".split()
)
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
        start: Offset in the text.
    """

    kind: str
    value: Any
    shown: str
    cues: dict[str, int] = field(default_factory=dict)
    start: int = 0


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


def mentions(tokens: list[Token]) -> list[Mention]:
    """Numbers, quoted phrases, capitalised names, dates and times in ``tokens``, with cues."""
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        cues: dict[str, int] = {}
        if tok.kind in ("num", "quote", "date", "time"):
            _cue(_word_before(tokens, i), 1, cues)
            if tok.kind == "num":
                _cue(tokens[i + 1] if i + 1 < len(tokens) else None, 2, cues)
                value = tok.value
                shown = tok.text if not tok.spoken else number_text(value)  # type: ignore[arg-type]
                found.append(Mention("number", value, shown, cues, tok.start))
            else:
                kind = "text" if tok.kind == "quote" else tok.kind
                found.append(Mention(kind, tok.value, tok.text, cues, tok.start))
            i += 1
            continue
        if tok.kind == "word" and tok.cap:
            j = i + 1
            while j < len(tokens) and (
                tokens[j].cap or (tokens[j].low in _NAME_GLUE and j + 1 < len(tokens) and tokens[j + 1].cap)
            ):
                j += 1
            _cue(_word_before(tokens, i), 1, cues)
            text = " ".join(t.text for t in tokens[i:j])
            found.append(Mention("text", text, text, cues, tok.start))
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
    year, month, day = iso.split("-")
    spec = param.description.upper()
    if "MM/DD/YYYY" in spec:
        return f"{month}/{day}/{year}"
    if "DD/MM/YYYY" in spec:
        return f"{day}/{month}/{year}"
    return iso


def _time_text(param: Param, clock: str) -> str:
    return clock + ":00" if param.format == "time" or "HH:MM:SS" in param.description.upper() else clock


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
                pairs = list(zip(chosen, targets))
                if any(p.kind == "integer" and not _integral(m.value) for m, p in pairs):
                    continue
                scores = [_score(m, vocab[p.name]) for m, p in pairs]
                zeros = [p for s, (m, p) in zip(scores, pairs) if s == 0]
                # A value with no cue may fill one required parameter: the last one left when the
                # others are bound by their cues, or the only one there is.
                if zeros and (len(zeros) > 1 or not zeros[0].required or not (lone or size >= 2)):
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


def _enum_mentioned(param: Param, text: str) -> Any:
    found = []
    for value in param.enum or ():
        if isinstance(value, str):
            spoken = r"[ _-]".join(re.escape(part) for part in re.split(r"[_-]", value.lower()))
            if re.search(rf"(?<!\w){spoken}(?!\w)", text):
                found.append(value)
    return found[0] if len(found) == 1 else None


def bind_arguments(tool: Offered, tokens: list[Token], text: str) -> dict[str, Any] | str:
    """Arguments for ``tool`` from the request, or the reason they are not clear.

    Args:
        tool: The picked tool.
        tokens: The request part's tokens.
        text: The part's text (enum values are looked up in it).
    """
    found = mentions(tokens)
    try:
        return _bind(tool, found, text.lower(), _remainder(tool, tokens, text))
    except _Unsure as exc:
        return str(exc)


def _remainder(tool: Offered, tokens: list[Token], text: str) -> tuple[str, int]:
    """The words after the tool's name in the request ("save a note: buy milk" -> "buy
    milk") and where they start: the value of a free-text parameter when nothing is quoted."""
    names = set(tool.words())
    last = max((i for i, t in enumerate(tokens) if t.kind == "word" and stem(t.low) in names), default=-1)
    i = last + 1
    while i < len(tokens) and (tokens[i].low in _LEAD_INS or tokens[i].kind == "punct"):
        i += 1
    if last < 0 or i >= len(tokens):
        return "", len(text)
    return text[tokens[i].start : tokens[-1].end].rstrip(" .?!"), tokens[i].start


def _bind(tool: Offered, found: list[Mention], text: str, remainder: tuple[str, int]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    free = [
        p for p in tool.params
        if p.kind == "string" and p.required and set(p.words()) & _FREE_TEXT and not (_is_date(p) or _is_time(p))
    ]
    if len(free) == 1 and remainder[0] and not any(m.kind == "text" and m.value for m in found if m.start >= remainder[1]):
        # "save a note: buy milk today": what follows the tool's name is the text, dates and all.
        if len(remainder[0]) > int(free[0].schema.get("maxLength") or len(remainder[0])):
            raise _Unsure(f"the text for {free[0].name} is longer than it allows")
        args[free[0].name] = remainder[0]
        found = [m for m in found if m.start < remainder[1]]
    used: list[Mention] = []
    rest: list[Param] = []
    for param in tool.params:
        if param.name in args:
            continue
        if param.kind == "enum":
            value = _enum_mentioned(param, text)
            if value is not None:
                args[param.name] = value
            elif param.required:
                allowed = ", ".join(map(str, param.enum or ()))
                raise _Unsure(f"none of the values of {param.name} ({allowed}) is mentioned")
        elif param.kind == "string" and (_is_date(param) or _is_time(param)):
            kind = "date" if _is_date(param) else "time"
            mention = _one([m for m in found if m.kind == kind], param, kind)
            if mention is not None:
                used.append(mention)
                fmt = _date_text if kind == "date" else _time_text
                args[param.name] = fmt(param, mention.value)
        elif param.kind in ("number", "integer", "string"):
            rest.append(param)
        elif param.required:
            raise _Unsure(f"{param.name} ({param.kind}) cannot be read from text")
    leftover = [m for m in found if m.kind in ("date", "time") and not any(m is u for u in used)]
    if leftover:
        raise _Unsure(f"'{leftover[0].shown}' does not fit any parameter")
    numbers = [m for m in found if m.kind == "number"]
    number_params = [p for p in rest if p.kind in ("number", "integer")]
    for name, mention in _assign(numbers, number_params, all_used=True).items():
        args[name] = int(mention.value) if _integral(mention.value) else float(mention.value)
    texts = [m for m in found if m.kind == "text"]
    text_params = [p for p in rest if p.kind == "string"]
    for name, mention in _assign(texts, text_params, all_used=False).items():
        args[name] = mention.value
    return {p.name: args[p.name] for p in tool.params if p.name in args}
