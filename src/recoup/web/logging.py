"""Log filters: expected denials are logged in one line, without a traceback."""

from __future__ import annotations

import logging


class ExpectedDenials(logging.Filter):
    """Django logs every 403 and 404 with the exception's traceback; for a collector who clicks a
    customer of another portfolio that is noise that hides real errors in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", None) in (403, 404):
            record.exc_info = None
            record.exc_text = None
        return True
