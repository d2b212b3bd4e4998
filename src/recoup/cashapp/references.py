"""Invoice numbers and creditor references as a matcher compares them. Pure: no Django.

A reference is compared in a canonical form: upper case, letters and digits only, and no leading
zeros at the start or after a letter prefix ("inv-000123", "INV 123" and "INV123" agree). Free
text is cut into candidate tokens: runs of letters and digits joined by single separators, of
which every span of up to three parts that holds a digit is a candidate ("INV 2024-0042" gives
"INV", "INV2024", "INV20240042", "2024", "20240042", "0042" …).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from stdnum import iso11649
from stdnum.ch import esr
from stdnum.iso7064 import mod_97_10

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_LEADING_ZEROS = re.compile(r"(^|[A-Z])0+(?=[0-9])")
_GROUP = re.compile(r"[A-Z0-9]+(?:[ \-/._#:]{1,2}[A-Z0-9]+)*")
_PART = re.compile(r"[A-Z0-9]+")
_RF = re.compile(r"RF[0-9]{2}[A-Z0-9]{1,21}")
# Below this many characters a token is a day, a count or an amount far more often than an invoice.
MIN_TOKEN = 3
MAX_SPAN = 3


def canonical(text: str) -> str:
    """``"inv-000123"`` → ``"INV123"``: the form references are compared in."""
    return _LEADING_ZEROS.sub(r"\1", _NOT_ALNUM.sub("", text.upper()))


_PART_ZEROS = re.compile(r"(^|[^A-Z0-9])0+(?=[0-9])")


def part_key(text: str) -> str:
    """Leading zeros dropped from every part between separators as well: "RE-2025-0102" and
    "re 2025 102" agree."""
    return canonical(_PART_ZEROS.sub(r"\1", text.upper()))


_canonical_cached = functools.lru_cache(maxsize=65_536)(canonical)


def ref_keys(invoice_ref: str) -> set[str]:
    """The keys an invoice is found by: its canonical form, the form without zeros in any part,
    and, for a long number behind a prefix, the number alone (payers drop the "INV-")."""
    key = canonical(invoice_ref)
    keys = {k for k in (key, part_key(invoice_ref)) if len(k) >= MIN_TOKEN}
    digits = re.sub(r"[^0-9]", "", key)
    if len(digits) >= 5 and digits != key:
        keys.add(digits.lstrip("0") or "0")
    return keys


def text_tokens(text: str) -> set[str]:
    """Candidate invoice numbers in free remittance text, canonical."""
    found: set[str] = set()
    upper = text.upper()
    for group in _GROUP.finditer(upper):
        parts = _PART.findall(group.group())
        has_digit = [any(c.isdigit() for c in part) for part in parts]
        for start in range(len(parts)):
            joined, stripped, zeros = "", "", False
            for k in range(start, min(start + MAX_SPAN, len(parts))):
                part = parts[k]
                joined += part
                # Only a part after the first that starts with a zero reads differently without it.
                zeros = zeros or (bool(stripped) and part[0] == "0" and part.isdigit())
                stripped += (part.lstrip("0") or "0") if part.isdigit() else part
                # A number ends with digits: "INV 2024-0042" yes, "0042 AND" no.
                if has_digit[k]:
                    key = _canonical_cached(joined)
                    if len(key) >= MIN_TOKEN:
                        found.add(key)
                    if zeros:
                        found.add(_canonical_cached(stripped))
    for rf in _RF.findall(_NOT_ALNUM.sub("", upper)):
        found |= set(reference_keys(rf))
    return found


def reference_keys(reference: str) -> list[str]:
    """The invoice keys a structured creditor reference stands for.

    RF (ISO 11649) with valid check digits → its body; a Swiss QR reference (27 digits, mod-10
    check digit) or ISR → its digits without the check digit; anything else as it is.
    """
    compact = _NOT_ALNUM.sub("", reference.upper())
    if compact.startswith("RF") and iso11649.is_valid(compact):
        return [canonical(compact[4:])]
    if compact.isdigit() and len(compact) in (16, 27) and esr.is_valid(compact):
        return [canonical(compact[:-1])]
    return [canonical(compact)] if len(compact) >= MIN_TOKEN else []


def is_structured(reference: str) -> bool:
    """Whether a reference carries its own check digits (so a typo cannot hit another invoice)."""
    compact = _NOT_ALNUM.sub("", reference.upper())
    return (compact.startswith("RF") and iso11649.is_valid(compact)) or (
        compact.isdigit() and len(compact) in (16, 27) and esr.is_valid(compact)
    )


def rf_for(invoice_ref: str) -> str:
    """The RF creditor reference recoup would print on an invoice: RF + check digits + the number."""
    body = canonical(invoice_ref)[:21]
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def deletions(key: str) -> set[str]:
    """The key with each one character left out: two keys one edit apart (a character missing,
    swapped with its neighbour, or mistyped) share one of these or each other."""
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


_LEGAL = re.compile(
    r"\b(GMBH|AG|KG|LTD|LIMITED|LLC|INC|INCORPORATED|CORP|CORPORATION|CO|COMPANY|SA|SAS|SARL|SPA|SRL|BV|NV|PLC|LLP|LP|OY|AB|AS|APS|PTY|KK|SE|THE|AND|UND|ET)\b"
)
_NAME_JUNK = re.compile(r"[^A-Z0-9 ]")


def name_key(name: str) -> str:
    """A payer's or customer's name without legal forms and punctuation: "ACME Corp." → "ACME"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    upper = _NAME_JUNK.sub(" ", plain.upper().replace("&", " "))
    return " ".join(_LEGAL.sub(" ", upper).split())
