"""Logs: one JSON object per line on stdout, each with its request id, none with a caller's number.

The formatter redacts what the code forgot (phone numbers, full CallSids),
including inside tracebacks; see privacy.py.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from .context import REQUEST_ID
from .privacy import redact



class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request": REQUEST_ID.get(),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def install() -> None:
    """Send the root logger's records to stdout as JSON, unless that is done already."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # twilio's client logs each API request at INFO; a text's request names the caller's number.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
