"""The usage figures' recorder: takes a call's events without waiting, and writes them to the store
(ivr/usage.py) in the background, from a real thread. If the queue is full or the store fails,
events are dropped and the drop is counted in the log: figures are never worth a failed call.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from .context import SIMULATION
from .offload import off_the_loop
from .usage import CallRef, UsageStore, _Process, database_url

if TYPE_CHECKING:
    from flask import Flask

    from .config import LineConfig
    from .spool import Spool

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000    # events waiting to be written; more are dropped (and counted)
GATHER_SECONDS = 0.5   # the writer waits this long for more events, to write them in one go
DROP_REPORT = 1000     # a full queue is reported once per this many dropped events
STALL_SECONDS = 3      # a write waiting longer for the store: /healthz says it is failing


def call_id(secret: bytes, call_sid: str) -> str:
    """A keyed one-way hash: the same call always gets the same id, and the id reveals nothing."""
    return hmac.new(secret, call_sid.encode(), hashlib.sha256).hexdigest()[:16]


class Recorder:
    """Takes events from the call flow without waiting, and writes them in the background."""

    def __init__(self, store: UsageStore | None, secret: bytes | None = None, spool: "Spool | None" = None):
        self.store = store
        self.spool = spool   # events kept on disk until stored (ivr/spool.py): production only
        self.secret = secret or secrets.token_bytes(32)
        self.dropped = 0
        self._lock = threading.Lock()
        self._pid = None
        self._pending: deque | None = None
        self._writing_since: float | None = None   # when the write under way began (monotonic)
        self._in_flight = 0                         # the events of the write under way
        self._hurry = threading.Event()   # set by flush: write now, without gathering more
        # Whether the last write (or the check at start) succeeded: /healthz reads this, and never
        # the store itself, so health costs nothing however slow or locked the store is.
        self.writing_ok = store is not None

    def call(self, call_sid: str | None, day: dt.date) -> CallRef | None:
        if not call_sid:
            return None
        return self._call(call_sid, day)

    @functools.lru_cache(maxsize=2048)
    def _call(self, call_sid: str, day: dt.date) -> CallRef:
        # A call makes a dozen requests: its id is worked out once. Kept in memory only.
        return CallRef(call_id(self.secret, call_sid), day)

    def record(self, call: CallRef | None, place: int, kind: str, detail: str = "", out_of_hours: bool = False) -> None:
        """An event of ``call`` at its step ``place``: queued, never waited for."""
        if call is None or self.store is None or SIMULATION.get():
            return
        pending = self._running()
        if len(pending) >= QUEUE_SIZE:
            self._drop(1, "the queue is full")
            return
        event = (call.day, call.id, str(kind), detail[:80], out_of_hours, place)
        number = self.spool.append(event) if self.spool is not None else 0
        # A deque's append is atomic: no lock on the call's path.
        pending.append((*event, number))

    def flush(self, timeout: float = 5.0) -> int:
        """Wait until every queued event is written or dropped (a graceful stop, the tests); returns
        how many were still neither when ``timeout`` ran out."""
        if self._pending is None or self._pid != _Process.pid:
            return 0
        deadline = time.monotonic() + timeout
        self._hurry.set()
        while (self._pending or self._writing_since is not None) and time.monotonic() < deadline:
            time.sleep(0.005)
        self._hurry.clear()
        return len(self._pending) + self._in_flight

    def stalled(self, now: float | None = None) -> bool:
        """Whether a write has been waiting for the store longer than STALL_SECONDS (a locked file or
        table): /healthz says the store is failing before the write gives up."""
        started = self._writing_since
        return started is not None and (time.monotonic() if now is None else now) - started > STALL_SECONDS

    def _running(self) -> deque:
        if self._pid != _Process.pid:   # first event in this process (gunicorn forks after loading)
            with self._lock:
                if self._pid != _Process.pid:
                    self.store.after_fork()   # (the app may have opened the store before the fork)
                    self._pending = deque()
                    threading.Thread(target=self._write_forever, args=(self._pending,), daemon=True,
                                     name="usage-writer").start()
                    self._pid = _Process.pid
        return self._pending

    def _write_forever(self, pending: deque) -> None:
        while True:
            # Gather a burst into one transaction; flush() cuts the wait short.
            self._hurry.wait(GATHER_SECONDS)
            if not pending:
                continue
            batch = []
            while pending and len(batch) < QUEUE_SIZE:
                batch.append(pending.popleft())
            self._in_flight = len(batch)
            self._writing_since = time.monotonic()
            rows = [event[:6] for event in batch]
            try:
                # In a real thread under gevent: a store waiting out a lock holds up no call.
                off_the_loop(lambda: self.store.write(rows))
                self.writing_ok = True
            except Exception as error:
                self.writing_ok = False
                self._drop(len(batch), type(error).__name__)
            finally:
                self._writing_since, self._in_flight = None, 0
            if self.spool is not None:   # stored or counted: off the disk (no yield between the two)
                self.spool.done(batch[-1][6], nothing_left=not pending)

    def _drop(self, count: int, why: str) -> None:
        # Counted in the log, but not a line per event: a flood of warnings would slow the calls.
        before, self.dropped = self.dropped, self.dropped + count
        if before // DROP_REPORT != self.dropped // DROP_REPORT or count > 1 or before == 0:
            log.warning("usage figures: dropped %d events (%s); %d dropped so far", count, why, self.dropped)


def init_app(app: "Flask", config: "LineConfig") -> Recorder:
    """The usage figures' recorder of the app (``app.extensions["ivr.usage"]``). A store that cannot
    be opened is logged and the line runs on: figures are never worth a failed call."""
    if not app.config["IVR_RECORD_USAGE"]:
        recorder = Recorder(None)
    else:
        url = app.config["IVR_DATABASE_URL"] or database_url(config.usage_database, Path(app.config["IVR_ROOT"]))
        secret = app.config["IVR_USAGE_SECRET"]
        store = UsageStore(url)
        writable = False
        try:
            store.create()
            writable = store.writable()
            if not writable:
                log.error("usage figures: the store cannot be written (read-only or locked); events will be dropped")
        except Exception as error:
            log.error("usage figures: the store could not be opened (%s); events will be dropped",
                      type(error).__name__)
        if not secret:
            log.warning("IVR_USAGE_SECRET is not set: calls are tied together in the figures only within this "
                        "server's life")
        from .spool import Spool
        spool = Spool(Path(app.config["IVR_SPOOL_DIR"])) if app.config["IVR_SPOOL_DIR"] else None
        recorder = Recorder(store, secret.encode() if secret else None, spool)
        recorder.writing_ok = writable
    app.extensions["ivr.usage"] = recorder
    return recorder
