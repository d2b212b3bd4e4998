"""Rewording a flagged text: every flagged phrase replaced by its suggestion.

A rewording is offered only when it is itself clean and still says something: a note that
was nothing but an insult has no better version, and showing an empty one helps nobody.
"""

from __future__ import annotations

from collections.abc import Sequence

from .matching import ToneFlag, check

__all__ = ["suggest"]

_MAX_PASSES = 4
_SEPARATORS = ",;:"
# What may directly follow a word: a phrase left out before one of these leaves no space.
_CLOSERS = frozenset(".,;:!?)…\n")
_SENTENCE_END = ".!?\n"


def _skip_blanks(text: str, pos: int) -> int:
    while text[pos : pos + 1] in (" ", "\t"):
        pos += 1
    return pos


def _leave_out(out: str, text: str, pos: int) -> tuple[str, int, bool]:
    """Join the text around a phrase that is left out (``out`` before it, ``text[pos:]`` after).

    The words either side meet with one space; a comma orphaned before a full stop goes ("…,
    you idiot." → "…."); a sentence left with nothing but its punctuation goes entirely.
    Returns the new ``out``, the position to continue from, and whether a sentence starts there.
    """
    out = out.rstrip(" \t")
    after = _skip_blanks(text, pos)
    if not out or out[-1] in _SENTENCE_END:
        while text[after : after + 1] in _CLOSERS and text[after : after + 1] not in ("", "\n"):
            after = _skip_blanks(text, after + 1)
        if out and out[-1] != "\n" and text[after : after + 1] not in ("", "\n"):
            out += " "
        return out, after, True
    following = text[after : after + 1]
    if not following or following in _CLOSERS:
        if out[-1] in _SEPARATORS:
            out = out[:-1].rstrip(" \t")
        return out, after, False
    return out + " ", after, False


def _apply(text: str, flags: Sequence[ToneFlag]) -> str:
    out = ""
    pos = 0
    starts: list[int] = []
    for f in flags:
        if f.end <= pos:
            # Punctuation already left out with the phrase before it ("Idiot!!" → "").
            continue
        out += text[pos : f.start] if f.start >= pos else ""
        pos = max(pos, f.end)
        if f.suggestion:
            out += f.suggestion
            continue
        out, pos, sentence_start = _leave_out(out, text, pos)
        if sentence_start:
            starts.append(len(out))
    out += text[pos:]
    for i in starts:
        if out[i : i + 1].islower():
            out = out[:i] + out[i].upper() + out[i + 1 :]
    return out


def _says_something(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def suggest(text: str) -> str | None:
    """``text`` with every flagged phrase replaced by its suggestion; None when there is no
    rewording to offer: one that the tone check still flags, or one with no words left.

    A rewording can expose another flag (a shouted insult loses its capitals and is then seen
    as an insult), so the replacement repeats until nothing is flagged or a few passes are done.
    """
    for _ in range(_MAX_PASSES):
        flags = check(text)
        if not flags:
            break
        text = _apply(text, flags)
    else:
        if check(text):
            return None
    return text if _says_something(text) else None
