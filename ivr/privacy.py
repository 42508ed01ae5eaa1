"""Keeping callers unidentifiable in everything the line writes down.

A safeguarding line keeps nothing that identifies a caller: no phone number
appears in a log, and a CallSid only shortened. The log formatter (logs.py)
passes every message through ``redact`` to catch what the code forgot.
"""
from __future__ import annotations

import re

# A phone number as callers' numbers appear: E.164 (+44...), URL-encoded (%2B44...), without its
# plus (44...), or national (07700 900123). Counts, ports and process ids start otherwise and are
# left alone.
# Separators: spaces, dashes, dots, brackets ("(028) 9504 9999", "07700.900.321", "+44 (0)7700…").
PHONE_NUMBER = re.compile(r"(?:%2B|(?<![\w.])\+|(?<![\w.:])\(?(?:0|44))\d(?:[\s\-.()]*\d){5,14}(?!\w)",
                          re.IGNORECASE)
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
