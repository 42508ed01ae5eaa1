"""Anonymous usage figures: what callers chose, never who they are.

Events go into one table through SQLAlchemy Core: SQLite by default, PostgreSQL
when DATABASE_URL is set (several instances can share it). An event holds the
day, whether the office was open, what happened, and a call id that is a keyed
one-way hash of the CallSid: it ties the events of one call together, and
cannot be turned back into the CallSid without IVR_USAGE_SECRET. No phone
number, no CallSid, no time of day is kept.

Recording never holds up a call: ivr/recorder.py queues the events and writes them here from a
background thread.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.pool import NullPool


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

# The kinds of event, and what `detail` holds for each: ivr/callflow/turn.py, Kind.
# (Before December 2026 a call's area came as an "area" event after "call", and a message heard
# was an "at" event followed by a "heard" one; the figures read both forms.)
LENGTHS = ((60, "under 1 minute"), (180, "1 to 3 minutes"), (600, "3 to 10 minutes"))
COLUMNS = ("day", "call", "kind", "detail", "out_of_hours", "place")


class _Process:
    """This process's id, kept up to date across forks: read on every event, without a system call."""
    pid = os.getpid()


os.register_at_fork(after_in_child=lambda: setattr(_Process, "pid", os.getpid()))


@dataclass(frozen=True)
class CallRef:
    """The call a request belongs to, as the figures know it."""
    id: str
    day: dt.date


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
    PostgreSQL ends a statement after as long (a locked table), and ends a session of ours that
    stops in the middle of a transaction (its machine gone, the network cut) after half as long,
    so that the locks it held do not hold up every other instance's writes until TCP notices
    (hours). No pool: each use opens its own connection, in whichever process and thread it runs
    (the writes run in real threads under gevent, see ivr/offload.py; gunicorn forks workers after
    loading the app), so no connection is ever shared between two of them."""
    if url.startswith("sqlite"):
        return sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": wait_seconds})
    if not url.startswith("postgresql"):
        return sa.create_engine(url, poolclass=NullPool)
    engine = sa.create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": max(1, round(wait_seconds))})

    @sa.event.listens_for(engine, "connect")
    def bounded_statements(connection, _record):   # (set here: the URL may carry options of its own)
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(wait_seconds * 1000)}")
            # A session idle in an open transaction for longer is ended: "This allows any locks to be
            # released" (PostgreSQL's manual, idle_in_transaction_session_timeout,
            # https://www.postgresql.org/docs/current/runtime-config-client.html). The line's own
            # transactions send their statements back to back, never idle between them.
            cursor.execute(f"SET idle_in_transaction_session_timeout = {int(wait_seconds * 500)}")
        connection.commit()
    return engine


def one_at_a_time(connection: sa.Connection, key: int) -> None:
    """In PostgreSQL, waits within ``connection``'s transaction until no other transaction holds
    ``key``, and holds it until this one ends (an advisory lock: PostgreSQL's manual, Advisory Lock
    Functions, pg_advisory_xact_lock). SQLite needs none: one writer at a time has the whole file."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


CREATE_LOCK = 7_243_011_902   # the advisory lock under which an instance makes the store's tables (any constant)
WRITE_SECONDS = 5   # what one write of events may wait for the store before its events are dropped


class UsageStore:
    def __init__(self, url: str):
        self.url = url
        self.engine = engine_for(url, WRITE_SECONDS)
        self._pid = _Process.pid

    def create(self) -> None:
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///file:"):   # a path, not a URI
            os.makedirs(os.path.dirname(self.url[len("sqlite:///"):]) or ".", exist_ok=True)
        with self.engine.begin() as connection:   # (PostgreSQL's DDL is transactional, SQLite's too)
            # Instances starting together on a new database: one makes the tables while the others
            # wait, then find them made. Each checking, then making, clashed ("already exists") and
            # logged that its events would be dropped.
            one_at_a_time(connection, CREATE_LOCK)
            metadata.create_all(connection)
            # A store made before events had a place: add the column (old events count as step 0).
            columns = {column["name"] for column in sa.inspect(connection).get_columns(events.name)}
            if "place" not in columns:
                connection.exec_driver_sql(f"ALTER TABLE {events.name} ADD COLUMN place INTEGER NOT NULL DEFAULT 0")
            if connection.execute(sa.select(daily.c.day).limit(1)).first() is None:
                # A store from before the daily counts: count it once.
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
        # Counts taken in one order, whatever order the calls went in: two instances' writers adding
        # to the same counts otherwise each held one the other wanted, and PostgreSQL ended one of
        # them ("deadlock detected"), its events dropped. "The best defense against deadlocks is
        # generally to avoid them by being certain that all applications using a database acquire
        # locks on multiple objects in a consistent order" (PostgreSQL's manual, Explicit Locking,
        # https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-DEADLOCKS).
        totals = [(*key, count) for key, count in sorted(counted.items())]
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
