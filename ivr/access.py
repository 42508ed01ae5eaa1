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
from .usage import engine_for, metadata, one_at_a_time

pause = time.sleep   # (gevent's, under gunicorn: a waiting request holds up nothing else)
wall = time.time

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "::1")
WRONG_PASSWORDS = 5     # wrong passwords a client may give in WINDOW_SECONDS at full speed; after
WINDOW_SECONDS = 300    # that, each of its requests waits first, longer for each wrong one, up to
MAX_DELAY = 10          # this many seconds, and while one waits its others are refused (429). Once
                        # it stops guessing, the right password is let in after one wait; an address
                        # shared with someone guessing (an office's NAT) shares their turns meanwhile

guesses = sa.Table(
    "console_guesses", metadata,
    sa.Column("client", sa.String(16), nullable=False, index=True),   # a keyed hash of its address
    sa.Column("at", sa.Float, nullable=False),
)


class Guesses:
    """Password checks per client, counted in the usage store's database so that every worker and
    instance counts them together (the red team's L1: counted per worker, 20 guesses passed where 5
    should, and then the right password was refused for 5 minutes); in this process without one.

    Each check takes its turn first: at once for a client's first WRONG_PASSWORDS in WINDOW_SECONDS,
    then after a wait. A client whose check is still waiting its turn gets no second one meanwhile
    (its turn was worked out before the earlier guess was counted: twenty guesses sent at once were
    all checked within a second, and each wave of twenty after that within ten)."""

    def __init__(self, store=None, secret: bytes = b""):
        self.engine = engine_for(store.url, 1) if store is not None else None
        self.secret = secret
        self._here: dict[str, list[float]] = {}   # without a store (or while it fails): in this process

    def key(self, client: str) -> str:
        return hmac.new(self.secret, client.encode(), "sha256").hexdigest()[:16]

    def turn(self, client: str, now: float) -> float | None:
        """Take this client's next check: the seconds it waits first, or None if an earlier check of
        its is still waiting (this one is refused at once). Every check counts as a wrong password
        until ``right`` says otherwise."""
        key = self.key(client)
        if self.engine is not None:
            try:
                return off_the_loop(lambda: self._take(key, now), timeout=2)
            except Exception as error:
                log.warning("console: a password check could not be counted in the store (%s)", type(error).__name__)
        taken = [at for at in self._here.get(key, []) if now - at < WINDOW_SECONDS]
        wait = wait_after(taken, now)
        if wait is not None:
            taken.append(now + wait)
        self._here[key] = taken
        if len(self._here) > 10_000:   # a flood of clients: forget the oldest, memory stays bounded
            self._here.pop(next(iter(self._here)))
        return wait

    def right(self, client: str, checked_at: float) -> None:
        """The check taken for ``checked_at`` found the right password: it is no guess."""
        key = self.key(client)
        if checked_at in self._here.get(key, ()):
            self._here[key].remove(checked_at)
        if self.engine is not None:   # (also when counted here: the store may have taken it after all, late)
            try:
                off_the_loop(lambda: self._forget(key, checked_at), timeout=2)
            except Exception as error:
                log.warning("console: a right password could not be uncounted (%s)", type(error).__name__)

    def _take(self, key: str, now: float) -> float | None:
        with self.engine.begin() as connection:
            one_at_a_time(connection, int(key[:15], 16))   # one client's turns are taken one at a time
            # (SQLite: this write takes the database's write lock, held to the end of the transaction)
            connection.execute(guesses.delete().where(guesses.c.at < now - WINDOW_SECONDS))
            taken = list(connection.execute(sa.select(guesses.c.at).where(guesses.c.client == key)).scalars())
            wait = wait_after(taken, now)
            if wait is not None:
                connection.execute(guesses.insert().values(client=key, at=now + wait))
            return wait

    def _forget(self, key: str, checked_at: float) -> None:
        with self.engine.begin() as connection:
            connection.execute(guesses.delete().where(guesses.c.client == key, guesses.c.at == checked_at))


def wait_after(taken: list[float], now: float) -> float | None:
    """The wait before a client's next check, given the checks it has taken in the window (each at
    the time it was, or will be, made); None while one of them is still to come."""
    if len(taken) < WRONG_PASSWORDS:
        return 0.0
    if max(taken) > now:
        return None
    return float(min(MAX_DELAY, 2 ** (len(taken) - WRONG_PASSWORDS)))


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
    given = request.authorization
    if given is None:   # a browser's first request carries no password: nothing to check, no guess
        return asked_for_password()
    now = wall()   # (wall-clock: counted across processes and instances)
    known = current_app.extensions["ivr.guesses"]
    wait = known.turn(client, now)
    if wait is None:
        log.warning("console: %s has a password check waiting its turn already: refused at once", client)
        return Response("Too many password attempts: wait a few seconds, then try again.\n", 429,
                        mimetype="text/plain", headers={"Retry-After": str(MAX_DELAY)})
    if wait:
        log.warning("console: %s has given %d or more wrong passwords lately: its request waits %g s",
                    client, WRONG_PASSWORDS, wait)
        pause(wait)
    if not hmac.compare_digest((given.password or "").encode(), password.encode()):
        log.warning("console: wrong password from %s for %s", client, request.path)   # never the password
        return asked_for_password()
    known.right(client, now + wait)
    return None


def asked_for_password() -> Response:
    return Response("This page needs the console's password.\n", 401, mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Basic realm="CSE line console", charset="UTF-8"'})
