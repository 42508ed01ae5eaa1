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
            "process": record.process,   # which worker (gunicorn's master names them by this id)
            "request": REQUEST_ID.get(),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """For a person at a terminal (development, the commands): one readable line, redacted alike."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.levelname.lower()}: {redact(record.getMessage())}"
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        return text


LINE_FORMATTERS = (JsonFormatter, PlainFormatter)


def install(json_lines: bool = True) -> None:
    """Send the root logger's records to stdout: JSON lines in production, plain lines for a
    person in development; unless that is done already."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, LINE_FORMATTERS) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout if json_lines else sys.stderr)
        handler.setFormatter(JsonFormatter() if json_lines else PlainFormatter())
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # twilio's client logs each API request at INFO; a text's request names the caller's number.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
