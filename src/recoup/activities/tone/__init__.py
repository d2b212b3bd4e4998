"""Tone check of notes and outgoing messages (pure: standard library only).

A collector's note or message is checked against a table of rules (``rules.toml``, read by
``rules``): each rule is a regular expression with a category, a message a collector
understands and a suggested rewording. The table is the whole policy; docs/tone.md explains
each family of rules and the false positives it is written to avoid. ``matching`` finds the
flagged phrases, ``rewording`` offers a clean version of the whole text.

The check is advisory: the workspace shows the flags and lets the collector save anyway, in
which case the flags are stored on the activity for a manager to see. It therefore prefers
to stay quiet on ordinary collections language ("final invoice", "please pay by Friday",
"the customer promised to pay") over catching every rude sentence.
"""

from __future__ import annotations

from .matching import ToneFlag, as_json, check, from_json
from .rewording import suggest
from .rules import CATEGORIES, RULES, Category, Rule

__all__ = [
    "CATEGORIES",
    "RULES",
    "Category",
    "Rule",
    "ToneFlag",
    "as_json",
    "check",
    "from_json",
    "suggest",
]
