"""Who may see the council's own pages (the console, the metrics): nobody but the council.

On in development mode; in production only when IVR_CONSOLE_PASSWORD is set, behind HTTP
basic auth over HTTPS; otherwise they do not exist (404). They need no Twilio signature.
"""
from __future__ import annotations

import hmac
import logging
import time

import sqlalchemy as sa
from flask import Response, abort, current_app, request

from .context import name_the_request
from .offload import off_the_loop
from .usage import engine_for, metadata

pause = time.sleep   # (gevent's, under gunicorn: a waiting request holds up nothing else)

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "::1")
WRONG_PASSWORDS = 5     # wrong passwords a client may give in WINDOW_SECONDS at full speed; after
WINDOW_SECONDS = 300    # that, each of its requests waits first, longer for each wrong one, up to
MAX_DELAY = 10          # this many seconds: never locked out, and guessing is slow for everyone

guesses = sa.Table(
    "console_guesses", metadata,
    sa.Column("client", sa.String(16), nullable=False, index=True),   # a keyed hash of its address
    sa.Column("at", sa.Float, nullable=False),
)


class Guesses:
    """Wrong passwords per client, counted in the usage store's database so that every worker and
    instance counts them together (the red team's L1: counted per worker, 20 guesses passed where 5
    should, and then the right password was refused for 5 minutes); in this process without one."""

    def __init__(self, store=None, secret: bytes = b""):
        self.engine = engine_for(store.url, 1) if store is not None else None
        self.secret = secret
        self._here: dict[str, list[float]] = {}

    def key(self, client: str) -> str:
        return hmac.new(self.secret, client.encode(), "sha256").hexdigest()[:16]

    def delay(self, client: str, now: float) -> float:
        """How long this client's next request waits before its password is checked."""
        recent = self._count(self.key(client), now)
        return 0.0 if recent < WRONG_PASSWORDS else float(min(MAX_DELAY, 2 ** (recent - WRONG_PASSWORDS)))

    def wrong(self, client: str, now: float) -> None:
        key = self.key(client)
        if self.engine is not None:
            try:
                off_the_loop(lambda: self._insert(key, now), timeout=2)
                return
            except Exception as error:
                log.warning("console: a wrong password could not be counted in the store (%s)", type(error).__name__)
        self._here.setdefault(key, []).append(now)
        if len(self._here) > 10_000:   # a flood of clients: forget the oldest, memory stays bounded
            self._here.pop(next(iter(self._here)))

    def _count(self, key: str, now: float) -> int:
        here = [t for t in self._here.get(key, []) if now - t < WINDOW_SECONDS]
        if here:
            self._here[key] = here
        if self.engine is None:
            return len(here)
        try:
            return len(here) + off_the_loop(lambda: self._select(key, now), timeout=2)
        except Exception:
            return len(here)

    def _insert(self, key: str, now: float) -> None:
        with self.engine.begin() as connection:
            connection.execute(guesses.delete().where(guesses.c.at < now - WINDOW_SECONDS))
            connection.execute(guesses.insert().values(client=key, at=now))

    def _select(self, key: str, now: float) -> int:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(guesses).where(
                guesses.c.client == key, guesses.c.at >= now - WINDOW_SECONDS)).scalar_one()


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
    now = time.time()   # (wall-clock: counted across processes and instances)
    known = current_app.extensions["ivr.guesses"]
    wait = known.delay(client, now)
    if wait:
        log.warning("console: %s has given %d or more wrong passwords lately: its request waits %g s",
                    client, WRONG_PASSWORDS, wait)
        pause(wait)
    given = request.authorization
    if given is None or not hmac.compare_digest((given.password or "").encode(), password.encode()):
        if given is not None:   # a browser's first request carries no password: not a guess
            known.wrong(client, now)
            log.warning("console: wrong password from %s for %s", client, request.path)   # never the password
        return Response("This page needs the console's password.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Basic realm="CSE line console", charset="UTF-8"'})
    return None
