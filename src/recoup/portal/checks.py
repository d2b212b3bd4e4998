"""The portal's bank details, checked when recoup starts: a mistyped IBAN shown to every customer
would send their payments nowhere."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from stdnum import bic, iban
from stdnum.exceptions import ValidationError


@register()
def bank_details_are_valid(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    problems = []
    for name, module in (("RECOUP_PAYEE_IBAN", iban), ("RECOUP_PAYEE_BIC", bic)):
        value = str(getattr(settings, name, "") or "")
        if not value:
            continue
        try:
            module.validate(value)
        except ValidationError as exc:
            problems.append(
                Error(f"{name}={value!r} is not valid: {exc}", hint="docs/portal.md, payment instructions", id="recoup.E101")
            )
    return problems
