"""The production entry point (see Procfile): refuses to start unsafely, with a plain message."""
from __future__ import annotations

import os
import sys

from . import create_app
from .files import ConfigError

# What production cannot run without, and why: each instance of the line (and each restart) must
# have the same value, or requests of one call answered by different instances do not agree.
REQUIRED = {
    "TWILIO_AUTH_TOKEN": "the auth token of the Twilio account, needed to check that each request really "
                         "comes from Twilio",
    "IVR_PUBLIC_URL": "the line's public address, as its Twilio number calls it (like https://line.council.example): "
                      "signatures are checked against it, never against a host a request names",
    "IVR_USAGE_SECRET": "a long random string (32 characters or more), the same on every instance: it ties "
                        "the requests of one call together (its usage figures, a screening accepted, a text "
                        "sent) whichever instance answers them, and nobody without it can link them to a call",
}
SECRET_LENGTH = 32


def missing_settings(environ) -> list[str]:
    """One line for each setting production needs that the environment lacks, naming it."""
    found = []
    for name, why in REQUIRED.items():
        value = environ.get(name) or ""
        if not value:
            found.append(f"{name} is not set. It is {why}.")
        elif name == "IVR_USAGE_SECRET" and len(value) < SECRET_LENGTH:
            found.append(f"{name} is {len(value)} characters long; it must be {SECRET_LENGTH} or more. It is {why}.")
    return found


def build():
    missing = missing_settings(os.environ)
    if missing:
        sys.exit("The line will not start: " + "\nThe line will not start: ".join(missing))
    try:
        return create_app()
    except ConfigError as error:
        sys.exit(f"The line will not start, its settings have problems:\n{error}")


app = build()
