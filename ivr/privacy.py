"""Keeping callers unidentifiable in everything the line writes down.

A safeguarding line keeps nothing that identifies a caller: no phone number
appears in a log, and a CallSid only shortened. The formatter redacts what the
code forgot, including numbers inside tracebacks.
"""
from __future__ import annotations

import logging
import re
import sys

PHONE_NUMBER = re.compile(r"(?:%2B|(?<![\w.])\+?)\d(?:[\s\-()]*\d){6,14}(?!\w)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")   # dates look like numbers; keep them
CALL_SID = re.compile(r"\b(CA)([0-9a-fA-F]{4})[0-9a-fA-F]{28}\b")


def mask_sid(sid: str | None) -> str:
    """Enough of a CallSid to tell calls apart in a log, not enough to look one up."""
    if not sid:
        return "-"
    return f"{sid[:6]}…"


def redact(text: str) -> str:
    text = CALL_SID.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)
    return PHONE_NUMBER.sub(lambda m: m.group() if ISO_DATE.match(m.group()) else "[number]", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info:
            record.exc_text = redact(self.formatException(record.exc_info))
            record.exc_info = None
        return super().format(record)


def install_log_redaction() -> None:
    """Send the root logger's records to stdout, redacted, unless something set it up already."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
