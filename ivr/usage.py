"""Anonymous usage figures: what callers chose, never who they are.

Events go into one table through SQLAlchemy Core: SQLite by default, PostgreSQL
when DATABASE_URL is set (several instances can share it). An event holds the
day, whether the office was open, what happened, and a call id that is a keyed
one-way hash of the CallSid: it ties the events of one call together, and
cannot be turned back into the CallSid without IVR_USAGE_SECRET. No phone
number, no CallSid, no time of day is kept.

Recording never holds up a call: events are queued and written by a background
thread; if the queue is full or the database fails, they are dropped and the
drop is counted in the log.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from .context import CALL_PLACE, CURRENT_CALL, SIMULATION
from .offload import off_the_loop

if TYPE_CHECKING:
    from .spool import Spool

log = logging.getLogger(__name__)

metadata = sa.MetaData()
events = sa.Table(
    "usage_events", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("call", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("detail", sa.String(80), nullable=False, default=""),
    sa.Column("out_of_hours", sa.Boolean, nullable=False, default=False),
    # The step of the call the event happened at (from the request's URL): the figures order a
    # call's events by it, not by when a worker happened to write them.
    sa.Column("place", sa.Integer, nullable=False, server_default="0"),
)

# The same events counted by day, as they are written: what the console shows comes from here, so
# its cost does not grow with the number of calls (the red team's L4: a week of a million events
# read in the request killed the worker).
daily = sa.Table(
    "usage_daily", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("detail", sa.String(80), primary_key=True),
    sa.Column("out_of_hours", sa.Boolean, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# The kinds of event, and what `detail` holds for each:
#   call              a call began (out_of_hours: whether the office was closed); on a line with
#                     areas, detail is the call's area as it came in ("not known" on a regional number)
#   language          the language of the call
#   area              on a line with areas: the area the caller chose (or "not sure")
#   at                a menu the caller reached, or a message's options read again
#   heard             a message read out; like "at", where the caller is (the last one is where
#                     they hung up)
# (Before December 2026 a call's area came as an "area" event after "call", and a message heard
# was an "at" event followed by a "heard" one; the figures read both forms.)
#   transfer          a transfer began: the contact (area/contact where numbers differ by area)
#   transfer_outcome  how an attempt ended: contact:outcome (ivr/transfers.py OUTCOMES)
#   text              the text message: sent, failed, withheld, not_mobile, already_sent
#   ended             the call ended: its length, in a bucket
LENGTHS = ((60, "under 1 minute"), (180, "1 to 3 minutes"), (600, "3 to 10 minutes"))
QUEUE_SIZE = 10_000    # events waiting to be written; more are dropped (and counted)
COLUMNS = ("day", "call", "kind", "detail", "out_of_hours", "place")
GATHER_SECONDS = 0.5   # the writer waits this long for more events, to write them in one go
DROP_REPORT = 1000     # a full queue is reported once per this many dropped events
STALL_SECONDS = 3      # a write waiting longer for the store: /healthz says it is failing


class _Process:
    """This process's id, kept up to date across forks: read on every event, without a system call."""
    pid = os.getpid()


os.register_at_fork(after_in_child=lambda: setattr(_Process, "pid", os.getpid()))


@dataclass(frozen=True)
class CallRef:
    """The call a request belongs to, as the figures know it."""
    id: str
    day: dt.date


def call_id(secret: bytes, call_sid: str) -> str:
    """A keyed one-way hash: the same call always gets the same id, and the id reveals nothing."""
    return hmac.new(secret, call_sid.encode(), hashlib.sha256).hexdigest()[:16]


def length_bucket(seconds: int) -> str:
    return next((label for limit, label in LENGTHS if seconds < limit), "10 minutes or more")


def database_url(configured_path: str, root) -> str:
    """DATABASE_URL (PostgreSQL) when set, else the SQLite file line.yaml names."""
    url = os.environ.get("DATABASE_URL")
    if url:
        for plain in ("postgres://", "postgresql://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain):]
        return url
    path = root / configured_path if not os.path.isabs(configured_path) else configured_path
    return f"sqlite:///{path}"


def engine_for(url: str, wait_seconds: float) -> sa.Engine:
    """An engine whose every wait is bounded: SQLite waits out a lock ``wait_seconds`` at most,
    PostgreSQL ends a statement after as long (a locked table). No pool: each use opens its own
    connection, in whichever process and thread it runs (the writes run in real threads under
    gevent, see ivr/offload.py; gunicorn forks workers after loading the app), so no connection is
    ever shared between two of them."""
    if url.startswith("sqlite"):
        return sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": wait_seconds})
    if not url.startswith("postgresql"):
        return sa.create_engine(url, poolclass=NullPool)
    engine = sa.create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": max(1, round(wait_seconds))})

    @sa.event.listens_for(engine, "connect")
    def bounded_statements(connection, _record):   # (set here: the URL may carry options of its own)
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(wait_seconds * 1000)}")
        connection.commit()
    return engine


WRITE_SECONDS = 5   # what one write of events may wait for the store before its events are dropped


class UsageStore:
    def __init__(self, url: str):
        self.url = url
        self.engine = engine_for(url, WRITE_SECONDS)
        self._pid = _Process.pid

    def create(self) -> None:
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///file:"):   # a path, not a URI
            os.makedirs(os.path.dirname(self.url[len("sqlite:///"):]) or ".", exist_ok=True)
        metadata.create_all(self.engine)
        # A store made before events had a place: add the column (old events count as step 0).
        columns = {column["name"] for column in sa.inspect(self.engine).get_columns(events.name)}
        if "place" not in columns:
            with self.engine.begin() as connection:
                connection.exec_driver_sql(f"ALTER TABLE {events.name} ADD COLUMN place INTEGER NOT NULL DEFAULT 0")
        with self.engine.begin() as connection:   # a store from before the daily counts: count it once
            if connection.execute(sa.select(daily.c.day).limit(1)).first() is None:
                connection.execute(daily.insert().from_select(
                    ["day", "kind", "detail", "out_of_hours", "count"],
                    sa.select(events.c.day, events.c.kind, events.c.detail, events.c.out_of_hours, sa.func.count())
                    .group_by(events.c.day, events.c.kind, events.c.detail, events.c.out_of_hours)))

    def writable(self) -> bool:
        """Whether events can be written: a write that changes nothing, rolled back."""
        try:
            with self.engine.connect() as connection:
                with connection.begin() as transaction:
                    connection.execute(events.delete().where(events.c.id == -1))
                    transaction.rollback()
            return True
        except Exception:
            return False

    def write(self, rows: list[tuple]) -> None:
        """Rows of COLUMNS, inserted with the driver's executemany: the cheapest way, as the writer
        shares the processor with the calls."""
        self.after_fork()
        dialect = self.engine.dialect
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO {events.name} ({', '.join(COLUMNS)}) VALUES ({', '.join([marker] * len(COLUMNS))})"
        counted = Counter((day, kind, detail, out_of_hours) for day, _, kind, detail, out_of_hours, _ in rows)
        upsert = (f"INSERT INTO {daily.name} (day, kind, detail, out_of_hours, count) VALUES "
                  f"({', '.join([marker] * 5)}) ON CONFLICT (day, kind, detail, out_of_hours) DO UPDATE SET "
                  f"count = {daily.name}.count + excluded.count")   # (SQLite 3.24+ and PostgreSQL alike)
        totals = [(*key, count) for key, count in counted.items()]
        if dialect.name == "sqlite":   # SQLAlchemy keeps SQLite dates as ISO text
            rows = [(day.isoformat(), *rest) for day, *rest in rows]
            totals = [(day.isoformat(), *rest) for day, *rest in totals]
        with self.engine.begin() as connection:
            connection.exec_driver_sql(sql, rows)
            connection.exec_driver_sql(upsert, totals)

    def rows(self, start: dt.date, end: dt.date) -> list:
        self.after_fork()
        query = (sa.select(events.c.id, events.c.day, events.c.call, events.c.kind, events.c.detail,
                           events.c.out_of_hours, events.c.place)
                 .where(events.c.day >= start, events.c.day <= end).order_by(events.c.id))
        with self.engine.connect() as connection:
            return list(connection.execute(query))

    def after_fork(self) -> None:
        """In a process forked from the one that opened the store (gunicorn loads the app, then
        forks its workers), this process's own engine: two processes writing on one connection lose
        each other's events (the engine keeps none open between uses, but its dialect's state)."""
        if self._pid != _Process.pid:
            self.engine.dispose(close=False)
            self._pid = _Process.pid


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

    def record(self, kind: str, detail: str = "", out_of_hours: bool = False) -> None:
        call = CURRENT_CALL.get()
        if call is None or self.store is None or SIMULATION.get():
            return
        pending = self._running()
        if len(pending) >= QUEUE_SIZE:
            self._drop(1, "the queue is full")
            return
        event = (call.day, call.id, kind, detail[:80], out_of_hours, CALL_PLACE.get())
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


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    calls: int
    out_of_hours: int
    sections: dict[str, Counter]
    per_day: dict[dt.date, int]

    def answered(self) -> dict[str, tuple[int, int]]:
        """Per contact: (attempts answered by a person, attempts), from "contact:outcome" events."""
        shares: dict[str, list[int]] = {}
        for detail, count in self.sections["transfer outcomes"].items():
            contact, _, outcome = detail.partition(":")
            share = shares.setdefault(contact, [0, 0])
            share[0] += count if outcome == "answered" else 0
            share[1] += count
        return {contact: (answered, attempts) for contact, (answered, attempts) in shares.items()}

    def table(self) -> list[tuple[str, str, int]]:
        rows = [("calls", "all", self.calls), ("calls", "out of hours", self.out_of_hours)]
        for section, counts in self.sections.items():
            rows += [(section, item, count) for item, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        return rows


def daily_figures(store: UsageStore, start: dt.date, end: dt.date) -> Figures:
    """Calls a day (in and out of hours) and transfer outcomes, from the daily counts: a few hundred
    rows a week however many calls there were. (Where callers hung up needs each call's events in
    order: `flask --app ivr stats` reads those.)"""
    store.after_fork()
    query = sa.select(daily.c.day, daily.c.kind, daily.c.detail, daily.c.out_of_hours, daily.c.count).where(
        daily.c.day >= start, daily.c.day <= end, daily.c.kind.in_(("call", "transfer_outcome")))
    with store.engine.connect() as connection:
        rows = list(connection.execute(query))
    per_day = {start + dt.timedelta(days=offset): 0 for offset in range((end - start).days + 1)}
    outcomes, calls, out_of_hours = Counter(), 0, 0
    for row in rows:
        if row.kind == "call":
            per_day[row.day] = per_day.get(row.day, 0) + row.count
            calls += row.count
            out_of_hours += row.count if row.out_of_hours else 0
        else:
            outcomes[row.detail] += row.count
    return Figures(start, end, calls, out_of_hours, {"transfer outcomes": outcomes}, per_day)


def figures(store: UsageStore, start: dt.date, end: dt.date) -> Figures:
    rows = store.rows(start, end)
    calls = {row.call for row in rows if row.kind == "call"}
    per_day = {start + dt.timedelta(days=offset): 0 for offset in range((end - start).days + 1)}
    for row in rows:
        if row.kind == "call":
            per_day[row.day] = per_day.get(row.day, 0) + 1
    out_of_hours = {row.call for row in rows if row.kind == "call" and row.out_of_hours}
    sections = {name: Counter() for name in
                ("language", "area", "heard", "transfers", "transfer outcomes", "texts", "hung up at", "call length")}
    last_place: dict[str, str] = {}
    area_of: dict[str, str] = {}   # the last area a call was in: as it came in, or as the caller said
    ended = set()
    # In the order of each call's own steps, whichever worker wrote an event first.
    for row in sorted(rows, key=lambda row: (row.call, row.place, row.id)):
        if row.kind == "call":
            if row.detail:
                area_of[row.call] = row.detail
        elif row.kind == "language":
            sections["language"][row.detail] += 1
        elif row.kind == "area":
            area_of[row.call] = row.detail
        elif row.kind == "heard":
            sections["heard"][row.detail] += 1
            last_place[row.call] = row.detail
        elif row.kind == "transfer":
            sections["transfers"][row.detail] += 1
            last_place[row.call] = f"transfer to {row.detail}"
        elif row.kind == "transfer_outcome":
            sections["transfer outcomes"][row.detail] += 1
            last_place[row.call] = f"after transfer ({row.detail})"
        elif row.kind == "text":
            sections["texts"][row.detail] += 1
        elif row.kind == "at":
            last_place[row.call] = row.detail
        elif row.kind == "ended":
            sections["call length"][row.detail] += 1
            ended.add(row.call)
    sections["area"].update(area_of.values())
    for call in ended:
        sections["hung up at"][last_place.get(call, "before the first menu")] += 1
    return Figures(start, end, len(calls), len(out_of_hours), sections, per_day)
