"""What belongs to the request being answered and is not the call's own: its id in the log, and
whether it is a simulated call (the terminal call, the console), which effects below the web layer
(figures, metrics, texts) must not count or send. Context variables, so each request (or simulated
call) sees only its own values; the engine reads none of them.
"""
from __future__ import annotations

import datetime as dt
import random
from contextvars import ContextVar

# Ties the log lines of one request together.
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
# A call played by the terminal or the browser console, not a real one: it is not counted,
# sends no text, and may pretend it is another time.
SIMULATION: ContextVar[bool] = ContextVar("simulation", default=False)
SIMULATED_NOW: ContextVar["dt.datetime | None"] = ContextVar("simulated_now", default=None)
SIMULATED_AREA: ContextVar["str | None"] = ContextVar("simulated_area", default=None)   # the terminal call's --area
# The texts a simulated call would have sent (their words), to show instead of sending them.
SIMULATED_TEXTS: ContextVar["list[str] | None"] = ContextVar("simulated_texts", default=None)


def name_the_request() -> None:
    """A fresh REQUEST_ID: cheap, not secret, only to tell requests apart in the log."""
    REQUEST_ID.set(f"{random.getrandbits(48):012x}")
