"""What belongs to the request being answered, set by the web layer and read below it.

Context variables, so that the engine needs no Flask and each request (or
simulated call) sees only its own values.
"""
from __future__ import annotations

import datetime as dt
import random
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .usage import CallRef

# The public base URL of the request: <Play> URLs are made absolute with it (Twilio
# documents relative URLs for <Redirect> and actions, not for <Play>). Empty: relative.
AUDIO_BASE: ContextVar[str] = ContextVar("audio_base", default="")
# The call this request belongs to, as the usage figures know it (None: not counted).
CURRENT_CALL: ContextVar["CallRef | None"] = ContextVar("current_call", default=None)
# The call's own numbers as Twilio sent them (From, To): the transfers need them to know whether
# the team can be shown the caller's number (a withheld one cannot be passed on).
CALL_NUMBERS: ContextVar[tuple[str | None, str | None]] = ContextVar("call_numbers", default=(None, None))
# How many steps into its call this request is (from its URL): orders the call's usage events.
CALL_PLACE: ContextVar[int] = ContextVar("call_place", default=0)
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
