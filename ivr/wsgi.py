"""The production entry point (see Procfile): refuses to start unsafely, with a plain message."""
from __future__ import annotations

import os
import sys

from . import create_app
from .config import ConfigError


def build():
    if not os.environ.get("TWILIO_AUTH_TOKEN"):
        sys.exit("The line will not start: TWILIO_AUTH_TOKEN is not set. It is the auth token of the "
                 "Twilio account, needed to check that each request really comes from Twilio.")
    try:
        return create_app()
    except ConfigError as error:
        sys.exit(f"The line will not start, its settings have problems:\n{error}")


app = build()
