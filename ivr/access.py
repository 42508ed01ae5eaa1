"""Who may see the council's own pages (the console, the metrics): nobody but the council.

On in development mode; in production only when IVR_CONSOLE_PASSWORD is set, behind HTTP
basic auth over HTTPS; otherwise they do not exist (404). They need no Twilio signature.
"""
from __future__ import annotations

import hmac
import logging
import threading
import time

from flask import Response, abort, current_app, request

from .context import name_the_request

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "::1")
WRONG_PASSWORDS = 5     # wrong passwords a client may give ...
WINDOW_SECONDS = 300    # ... in this long, before it is refused until the window has passed


class Guesses:
    """Wrong passwords per client, in this process: enough to make guessing slow and visible."""

    def __init__(self):
        self._lock = threading.Lock()
        self._wrong: dict[str, list[float]] = {}

    def blocked(self, client: str, now: float) -> bool:
        with self._lock:
            recent = [t for t in self._wrong.get(client, []) if now - t < WINDOW_SECONDS]
            self._wrong[client] = recent
            return len(recent) >= WRONG_PASSWORDS

    def wrong(self, client: str, now: float) -> None:
        with self._lock:
            self._wrong.setdefault(client, []).append(now)
            if len(self._wrong) > 10_000:   # a flood of clients: forget the oldest, memory stays bounded
                self._wrong.pop(next(iter(self._wrong)))


GUESSES = Guesses()


def council_only() -> Response | None:
    """A Flask before_request hook: None lets the request through."""
    name_the_request()
    password = current_app.config.get("IVR_CONSOLE_PASSWORD")
    client = request.remote_addr or "-"
    if not password:
        # Development mode serves this machine only, like the webhooks without a signature.
        if current_app.config.get("IVR_DEVELOPMENT") and client in LOOPBACK:
            return None
        abort(404)
    if not request.is_secure:
        return Response("This page is served over HTTPS only.\n", 403, mimetype="text/plain")
    now = time.monotonic()
    if GUESSES.blocked(client, now):
        log.warning("console: refused %s, too many wrong passwords from this client", client)
        return Response("Too many wrong passwords: try again later.\n", 429, mimetype="text/plain",
                        headers={"Retry-After": str(WINDOW_SECONDS)})
    given = request.authorization
    if given is None or not hmac.compare_digest((given.password or "").encode(), password.encode()):
        if given is not None:   # a browser's first request carries no password: not a guess
            GUESSES.wrong(client, now)
            log.warning("console: wrong password from %s for %s", client, request.path)   # never the password
        return Response("This page needs the console's password.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Basic realm="CSE line console", charset="UTF-8"'})
    return None
