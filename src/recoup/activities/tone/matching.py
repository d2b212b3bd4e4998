"""Finding flagged phrases: the rule table compiled once, matched tier by tier.

Offsets always refer to the text as given; flags never overlap, and where two rules match at
the same place the longer match (then the earlier rule) wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .rules import RULES, Rule

__all__ = ["ToneFlag", "as_json", "check", "from_json"]


@dataclass(frozen=True, slots=True)
class ToneFlag:
    category: str
    phrase: str
    start: int
    end: int
    message: str
    # The replacement for ``phrase``; "" means "leave it out".
    suggestion: str


_QUOTED = re.compile(r"\"[^\"\n]{1,500}\"|“[^”\n]{1,500}”|«[^»\n]{1,500}»|„[^“”\n]{1,500}[“”]")
_PLACEHOLDER = re.compile(r"\{(\w+)(?:\|([^}]*))?\}")
_BEFORE_WINDOW = 48


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    regex: re.Pattern[str]
    unless_before: re.Pattern[str] | None
    unless_phrase: re.Pattern[str] | None
    order: int


def _compile(rules: Sequence[Rule]) -> tuple[_Compiled, ...]:
    out = []
    for order, rule in enumerate(rules):
        flags = re.IGNORECASE if rule.ignore_case else 0
        source = f"(?<!\\w)(?:{rule.pattern})(?!\\w)" if rule.bounded else rule.pattern
        out.append(
            _Compiled(
                rule=rule,
                regex=re.compile(source, flags),
                unless_before=re.compile(rule.unless_before, re.IGNORECASE) if rule.unless_before else None,
                unless_phrase=re.compile(rule.unless_phrase) if rule.unless_phrase else None,
                order=order,
            )
        )
    return tuple(out)


_COMPILED = _compile(RULES)
_TIERS = tuple(sorted({c.rule.tier for c in _COMPILED}))
_BY_TIER = tuple(tuple(c for c in _COMPILED if c.rule.tier == tier) for tier in _TIERS)
# Each distinct prefilter word is looked for once per text, not once per rule that lists it.
_NEEDS_WORDS = tuple(sorted({word for c in _COMPILED for word in c.rule.needs}))


def _normalise(text: str) -> str:
    # Same length as the input, so every offset found in it is an offset in the original.
    return text.replace("’", "'").replace("‘", "'")


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def _inside(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _fill(template: str, groups: Mapping[str, str | None]) -> str:
    def one(m: re.Match[str]) -> str:
        value = groups.get(m.group(1))
        if not value:
            return m.group(2) or ""
        # A shouted subject ("WE will …") is written in normal case in the suggestion.
        return value.lower() if value.isupper() and value != "I" else value

    return _PLACEHOLDER.sub(one, template)


def _at_sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“(«":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n"


def _suggestion_for(c: _Compiled, text: str, m: re.Match[str]) -> str:
    phrase = text[m.start() : m.end()]
    suggestion = phrase.lower() if c.rule.case == "sentence" else _fill(c.rule.suggestion, m.groupdict())
    if suggestion and (
        _at_sentence_start(text, m.start()) or (c.rule.case == "match" and phrase[:1].isupper() and not phrase.isupper())
    ):
        suggestion = suggestion[0].upper() + suggestion[1:]
    return suggestion


def _candidates(c: _Compiled, scan: str, original: str, quoted: list[tuple[int, int]]) -> Iterable[ToneFlag]:
    for m in c.regex.finditer(scan):
        start, end = m.start(), m.end()
        if end <= start:
            continue
        if quoted and _inside(quoted, start, end):
            continue
        if c.unless_before is not None and c.unless_before.search(scan[max(0, start - _BEFORE_WINDOW) : start]):
            continue
        if c.unless_phrase is not None and c.unless_phrase.search(scan[start:end]):
            continue
        yield ToneFlag(
            category=c.rule.category,
            phrase=original[start:end],
            start=start,
            end=end,
            message=c.rule.message,
            suggestion=_suggestion_for(c, original, m),
        )


def check(text: str) -> list[ToneFlag]:
    """Every flagged phrase in ``text``, in order, none overlapping another."""
    if not text:
        return []
    scan = _normalise(text)
    quoted = _quoted_spans(scan)
    # casefold, like the regular expressions' IGNORECASE, so the prefilter never hides a match.
    folded = scan.casefold()
    present = {word for word in _NEEDS_WORDS if word in folded}
    chosen: list[ToneFlag] = []
    for tier, compiled in zip(_TIERS, _BY_TIER, strict=True):
        found: list[tuple[int, int, int, ToneFlag]] = []
        for c in compiled:
            if c.rule.needs and present.isdisjoint(c.rule.needs):
                continue
            for flag in _candidates(c, scan, text, quoted):
                found.append((flag.start, -(flag.end - flag.start), c.order, flag))
        found.sort(key=lambda t: t[:3])
        taken = [(f.start, f.end) for f in chosen]
        for _, _, _, flag in found:
            if any(flag.start < b and a < flag.end for a, b in taken):
                continue
            chosen.append(flag)
            taken.append((flag.start, flag.end))
        if tier != _TIERS[-1] and chosen:
            # Later tiers see flagged wording blanked out, so their matches cannot run across it.
            chars = list(scan)
            for f in chosen:
                chars[f.start : f.end] = "\x00" * (f.end - f.start)
            scan = "".join(chars)
    chosen.sort(key=lambda f: f.start)
    return chosen


def as_json(flags: Iterable[ToneFlag]) -> list[dict[str, Any]]:
    """Flags as plain dicts, for Activity.tone_flags."""
    return [asdict(f) for f in flags]


def from_json(data: Iterable[Mapping[str, Any]]) -> list[ToneFlag]:
    """Flags back from Activity.tone_flags; unknown keys are ignored so old rows still load."""
    return [
        ToneFlag(
            category=str(d.get("category", "")),
            phrase=str(d.get("phrase", "")),
            start=int(d.get("start", 0)),
            end=int(d.get("end", 0)),
            message=str(d.get("message", "")),
            suggestion=str(d.get("suggestion", "")),
        )
        for d in data
    ]
