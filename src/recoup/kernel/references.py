"""Structured creditor references (RF, ISO 11649) for invoices. Pure: no Django.

A customer who quotes ``RF47INV1042`` instead of "invoice 1042 thanks" is matched to the invoice
by the reference's own check digits, with no guessing from free text. The reference's body is
the invoice number in the form a matcher compares references in: upper case, letters and digits
only, no leading zeros at the start or after a letter prefix ("inv-000123" → "INV123"), so the
body found in a bank line leads back to the invoice whichever way the number was written.
ISO 11649 allows at most 21 characters of body; an invoice number longer than that gets no RF
reference (a cut one would name another invoice, or none), and the payer quotes the number.
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

MAX_BODY = 21
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_LEADING_ZEROS = re.compile(r"(^|[A-Z])0+(?=[0-9])")


def reference_body(invoice_ref: str) -> str:
    """``"inv-000123"`` → ``"INV123"``: the invoice number as references compare it."""
    return _LEADING_ZEROS.sub(r"\1", _NOT_ALNUM.sub("", invoice_ref.upper()))


def creditor_reference(invoice_ref: str) -> str | None:
    """The RF reference for an invoice (electronic form, no spaces), or None when its number has
    no letters or digits or is longer than ISO 11649 allows."""
    body = reference_body(invoice_ref)
    if not body or len(body) > MAX_BODY:
        return None
    reference = f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"
    return iso11649.validate(reference)


def printed(reference: str) -> str:
    """The paper form, in groups of four: ``RF47 INV1 042``."""
    return str(iso11649.format(reference))
