"""Blocking database work kept off the calls' way.

Under gunicorn's gevent workers (gunicorn.conf.py) every call a worker answers shares one event
loop: a C call that blocks, such as SQLite waiting out a lock (its 2 s busy timeout), blocks every
call on that worker. The red team measured it: throughput from 1 188 to 254 requests a second while
a store was locked. Such work runs here in gevent's pool of real threads: the greenlet that asked
waits (and may give up after ``timeout``), the others go on. Without gevent (the development
server, the commands, the tests), it simply runs.
"""
from __future__ import annotations

from typing import Callable, TypeVar

try:
    import gevent
    from gevent import monkey
except ImportError:   # (gevent comes with gunicorn[gevent]; a checkout without it runs without)
    gevent = monkey = None

T = TypeVar("T")


class TooSlow(Exception):
    """The work did not finish within its time (it goes on in its thread)."""


def gevent_runs() -> bool:
    return monkey is not None and monkey.is_module_patched("threading")


def off_the_loop(work: Callable[[], T], timeout: float | None = None) -> T:
    """``work()`` in a real thread when gevent runs this process; TooSlow after ``timeout`` seconds."""
    if not gevent_runs():
        return work()
    result = gevent.get_hub().threadpool.spawn(work)
    try:
        return result.get(timeout=timeout)
    except gevent.Timeout:
        raise TooSlow() from None
