"""The tone check's rule table: what a rule is, and reading the table from ``rules.toml``.

The table is the whole policy (docs/tone.md explains each family of rules); it is data, read
once at import with the standard library. A mistake in it is reported with the rule's name
and the field, at import, rather than as a rule that silently never matches.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

__all__ = ["CATEGORIES", "RULES", "Category", "Rule", "RuleTableError", "load_rules"]

Category = Literal["aggressive", "threatening", "insulting", "overpromising"]
CATEGORIES: tuple[Category, ...] = ("aggressive", "threatening", "insulting", "overpromising")


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of the rule table.

    ``pattern`` is matched case-insensitively unless ``ignore_case`` is off, between word
    boundaries unless ``bounded`` is off. ``suggestion`` may name groups of the pattern as
    ``{name}`` or ``{name|fallback}``; ``case="sentence"`` suggests the phrase itself in
    lower case (for shouting). An empty suggestion means "leave the phrase out".
    ``unless_before`` is searched in the text just before the match (it should end with
    ``$``): a hit there means the phrase is reported speech or otherwise harmless.
    ``unless_phrase`` is searched in the matched phrase itself. ``needs`` lists words one of
    which every match contains (in lower case): the rule is skipped on texts without any of
    them, which keeps a typical note well under a millisecond. Rules of ``tier`` 1 (style:
    capitals, exclamation marks) only look at what the tier-0 rules (wording) left unflagged,
    so a shouted insult is reported as an insult.
    """

    name: str
    category: Category
    pattern: str
    message: str
    suggestion: str
    ignore_case: bool = True
    bounded: bool = True
    case: Literal["match", "sentence"] = "match"
    unless_before: str | None = None
    unless_phrase: str | None = None
    tier: int = 0
    needs: tuple[str, ...] = ()


class RuleTableError(ValueError):
    """The rule table is malformed: names the rule and the field."""


_REFERENCE = re.compile(r"\{\{(\w+)\}\}")
_TEXT_FIELDS = ("pattern", "message", "suggestion", "unless_before", "unless_phrase")
_REQUIRED = ("name", "category", "pattern", "message", "suggestion")
_KNOWN = frozenset(f.name for f in dataclasses.fields(Rule))


def _text(value: object, where: str, fragments: Mapping[str, str]) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "".join(value)
    if not isinstance(value, str):
        raise RuleTableError(f"{where}: expected a string or a list of strings, got {value!r}")

    def one(m: re.Match[str]) -> str:
        if m.group(1) not in fragments:
            raise RuleTableError(f"{where}: unknown fragment {{{{{m.group(1)}}}}}")
        return fragments[m.group(1)]

    return _REFERENCE.sub(one, value)


def _needs(value: object, where: str, word_lists: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleTableError(f"{where}: expected a list of words, got {value!r}")
    words: list[str] = []
    for entry in value:
        reference = _REFERENCE.fullmatch(entry)
        if reference is None:
            words.append(entry)
        elif reference.group(1) in word_lists:
            words.extend(word_lists[reference.group(1)])
        else:
            raise RuleTableError(f"{where}: unknown word list {entry}")
    return tuple(words)


def _rule(entry: Mapping[str, Any], position: int, fragments: Mapping[str, str], word_lists: Mapping[str, Sequence[str]]) -> Rule:
    name = entry.get("name", f"#{position + 1}")
    where = f"tone rule {name!r}"
    missing = [f for f in _REQUIRED if f not in entry]
    unknown = sorted(set(entry) - _KNOWN)
    if missing or unknown:
        raise RuleTableError(f"{where}: missing {missing}, unknown {unknown}")
    if entry["category"] not in CATEGORIES:
        raise RuleTableError(f"{where}: category {entry['category']!r} is not one of {', '.join(CATEGORIES)}")
    if entry.get("case", "match") not in ("match", "sentence"):
        raise RuleTableError(f"{where}: case {entry['case']!r} is not 'match' or 'sentence'")
    for field, kind in (("ignore_case", bool), ("bounded", bool), ("tier", int)):
        if field in entry and type(entry[field]) is not kind:
            raise RuleTableError(f"{where}, {field}: expected {kind.__name__}, got {entry[field]!r}")
    fields: dict[str, Any] = {k: v for k, v in entry.items() if k not in _TEXT_FIELDS and k != "needs"}
    for field in _TEXT_FIELDS:
        if field in entry:
            fields[field] = _text(entry[field], f"{where}, {field}", fragments)
    if "needs" in entry:
        fields["needs"] = _needs(entry["needs"], f"{where}, needs", word_lists)
    try:
        re.compile(fields["pattern"])
    except re.error as exc:
        raise RuleTableError(f"{where}, pattern: {exc}") from exc
    return Rule(**fields)


def load_rules(text: str) -> tuple[Rule, ...]:
    """The rules of a table in ``rules.toml``'s format (see that file's header)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleTableError(f"tone rules: {exc}") from exc
    fragments = {k: _text(v, f"fragment {k!r}", {}) for k, v in data.get("fragments", {}).items()}
    word_lists = cast(dict[str, Sequence[str]], data.get("word_lists", {}))
    rules = tuple(_rule(entry, i, fragments, word_lists) for i, entry in enumerate(data.get("rule", [])))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise RuleTableError(f"tone rules: names used twice: {sorted({n for n in names if names.count(n) > 1})}")
    return rules


RULES: tuple[Rule, ...] = load_rules(importlib.resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8"))
