"""What the line has learnt about a call while it lasts, kept where every instance sees it.

Any instance (or worker) may answer any request of a call, and Twilio may send a request twice, so
two facts cannot ride in the call's URLs alone:
- "accepted": the person answering a transfer pressed 1 (their leg's CallSid). Twilio may leave
  DialBridged out of the <Dial> action; the line then asks whether that leg was accepted.
- "texted": the text message was sent on this call (its CallSid). A second request to send it,
  from a replay or another instance, finds it already sent.
- "text-<language>" and "replied", of a phone a text was sent to or a reply came from (a keyed hash
  cut short, which names no phone: ivr/replies.py): the language of the text, and that the one
  automatic answer to a reply was sent.

Each is a row (call, fact, day) in the usage store's database (SQLite, or PostgreSQL for several
instances): ``call`` is the same keyed one-way hash of a CallSid as the usage figures use
(IVR_USAGE_SECRET, which every instance must share); nothing else about a call is kept, and rows
older than two days are deleted. Without a database (the terminal call), this process remembers
them. If the database cannot answer within a second, the line does what it would do without it
(the URL's own record of a text; DialBridged as Twilio sent it) and says so in the log: a fact is
never worth a held-up call.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib
import logging
import os

import sqlalchemy as sa

from .context import SIMULATION
from .offload import off_the_loop
from .usage import CallRef, UsageStore, engine_for, metadata

log = logging.getLogger(__name__)

facts = sa.Table(
    "call_facts", metadata,
    sa.Column("call", sa.String(16), primary_key=True),
    sa.Column("fact", sa.String(16), primary_key=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
)
# A phone a text went to or a reply came from, as the facts know it: a keyed hash (the usage
# secret) cut to 20 bits. About a thousand UK mobile numbers (07 and nine digits) share each value,
# so it names no phone, even to someone holding the secret; two phones that share one within two
# days cost one of them its automatic answer (or its language).
PHONE_HEX = 5
REPLIED, TEXTED = "replied", "text-"   # the one answer to a reply sent; a text sent in a language (text-pl)
KEPT_DAYS = 2        # a call lasts at most four hours (Twilio's longest without asking for more)
WAIT_SECONDS = 1     # what a request may wait for the database (SQLite's lock, PostgreSQL's statement)


def phone_ref(secret: bytes, number: str, day: dt.date) -> CallRef:
    """A phone number as the facts know it (never the number itself): see PHONE_HEX."""
    return CallRef("phone-" + hmac.new(secret, number.encode(), hashlib.sha256).hexdigest()[:PHONE_HEX], day)


class CallFacts:
    def __init__(self, store: UsageStore | None):
        self.url = store.url if store is not None else None
        self._engine: sa.Engine | None = None
        self._pid = None
        self._here: set[tuple[str, str]] = set()   # without a database: (call, fact), in this process
        self._forgot_on: dt.date | None = None   # the day old facts were last deleted (by this process or its parent)

    @property
    def engine(self) -> sa.Engine | None:
        """This process's engine: gunicorn forks after loading the app, and a connection must not
        be shared between processes."""
        if self.url is None:
            return None
        if self._pid != os.getpid():
            self._engine, self._pid = engine_for(self.url, WAIT_SECONDS), os.getpid()
        return self._engine

    def forget_old(self, today: dt.date) -> None:
        """Delete the facts of days more than KEPT_DAYS before ``today``: at the start, and then at
        the first claim of each day (facts were kept until the next start: a phone that had replied
        once got no automatic answer again, for weeks)."""
        self._forgot_on = today
        if self.engine is None:
            return
        engine = self.engine
        try:
            off_the_loop(lambda: _run(engine, facts.delete().where(facts.c.day < today - dt.timedelta(days=KEPT_DAYS))),
                         timeout=WAIT_SECONDS * 2)
        except Exception as error:
            log.warning("call facts: old ones could not be deleted (%s)", type(error).__name__)

    def claim(self, call: CallRef | None, fact: str) -> bool | None:
        """Record ``fact`` of ``call``: True if it is new, False if it was already known (to any
        instance), None if the database could not say."""
        if call is None:
            return None
        if self.engine is None:
            new = (call.id, fact) not in self._here
            self._here.add((call.id, fact))
            return new
        if not SIMULATION.get() and (self._forgot_on is None or call.day > self._forgot_on):
            # (Not from the console's calls, whose day is any the council picks: a day ahead would
            # delete the facts of calls going on now. Nor back, as calls around midnight take turns.)
            self.forget_old(call.day)
        engine = self.engine
        # INSERT ... ON CONFLICT DO NOTHING: "ON CONFLICT DO NOTHING simply avoids inserting a row"
        # (PostgreSQL's manual, INSERT; SQLite's alike since 3.24, as the daily counts need), so one
        # row inserted says the fact is new. A plain INSERT refused by the key said the same, but
        # PostgreSQL logged an ERROR for each fact known twice (every replay, every instance asking
        # again: a thousand in one CI run). SQLAlchemy keeps an INSERT's rowcount only when asked
        # (preserve_rowcount; CursorResult.rowcount's documentation): without it, psycopg's is -1.
        # Not RETURNING, which SQLite has only since 3.35 (Python 3.11 on RHEL 8 has 3.26).
        try:
            dialect = importlib.import_module(f"sqlalchemy.dialects.{engine.dialect.name}")   # (loaded with the engine)
            statement = (dialect.insert(facts).values(call=call.id, fact=fact, day=call.day)
                         .on_conflict_do_nothing().execution_options(preserve_rowcount=True))
            return off_the_loop(lambda: _run(engine, statement), timeout=WAIT_SECONDS * 2) == 1
        except Exception as error:
            log.warning("call facts: %r could not be recorded (%s)", fact, type(error).__name__)
            return None

    def release(self, call: CallRef | None, fact: str) -> None:
        """Forget ``fact`` (a text that could not be sent after all may be asked for again)."""
        if call is None:
            return
        if self.engine is None:
            self._here.discard((call.id, fact))
            return
        engine = self.engine
        try:
            off_the_loop(lambda: _run(engine, facts.delete().where(facts.c.call == call.id, facts.c.fact == fact)),
                         timeout=WAIT_SECONDS * 2)
        except Exception as error:
            log.warning("call facts: %r could not be forgotten (%s)", fact, type(error).__name__)

    def of(self, call: CallRef | None) -> list[str] | None:
        """Every fact known of ``call``; None if the database could not say."""
        if call is None:
            return None
        if self.engine is None:
            return sorted(fact for known, fact in self._here if known == call.id)
        engine = self.engine
        query = sa.select(facts.c.fact).where(facts.c.call == call.id)
        try:
            return [row[0] for row in off_the_loop(lambda: _run(engine, query), timeout=WAIT_SECONDS * 2)]
        except Exception as error:
            log.warning("call facts: those of a call could not be read (%s)", type(error).__name__)
            return None

    def known(self, call: CallRef | None, fact: str) -> bool | None:
        """Whether ``fact`` is known of ``call``; None if the database could not say."""
        if call is None:
            return None
        if self.engine is None:
            return (call.id, fact) in self._here
        engine = self.engine
        query = sa.select(facts.c.call).where(facts.c.call == call.id, facts.c.fact == fact)
        try:
            return bool(off_the_loop(lambda: _run(engine, query), timeout=WAIT_SECONDS * 2))
        except Exception as error:
            log.warning("call facts: %r could not be read (%s)", fact, type(error).__name__)
            return None


def _run(engine: sa.Engine, statement) -> list | int:
    """One statement in a transaction of its own; the rows it returns, or the rows it changed (run
    in a real thread under gevent: see ivr/offload.py)."""
    with engine.begin() as connection:
        result = connection.execute(statement)
        return result.fetchall() if result.returns_rows else result.rowcount
