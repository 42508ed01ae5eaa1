"""What every webhook does before and after its own few lines: check the signature, read the call
(its state from the URL, its moment, its numbers, its reference in the figures), and afterwards
apply the turn's events (usage figures, metrics) and answer with its document as TwiML."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from types import MappingProxyType
from typing import Mapping
from urllib.parse import parse_qsl

from flask import Flask, Response, current_app, request

from . import metrics
from .callflow.actions import Call
from .callflow.engine import Engine
from .callflow.state import CallState
from .callflow.turn import Document, Event, Turn
from .context import SIMULATED_NOW, name_the_request
from .privacy import mask_sid
from .signatures import Fields, check_signature, form_fields, public_base
from .usage import CallRef

log = logging.getLogger(__name__)


def engine() -> Engine:
    return current_app.extensions["ivr.engine"]


def now() -> dt.datetime:
    return SIMULATED_NOW.get() or current_app.config["IVR_CLOCK"]()


@functools.lru_cache(maxsize=4096)
def encoded(body: str) -> bytes:
    # The line's TwiML comes from a cache, so the same few strings are encoded again and again.
    return body.encode()


def twiml(body: str) -> Response:
    return Response(encoded(body), mimetype="text/xml")


class CallStep:
    """A step of a call, as every webhook handler gets it: the engine, the request's fields, its query (``args``) and
    the call's state read from it, the call (its moment, numbers and reference in the figures), and
    where the line is served (recordings are played from there)."""
    __slots__ = ("engine", "form", "args", "state", "call", "base")

    def __init__(self, engine: Engine, form: Fields, args: Mapping[str, str], state: CallState, call: Call,
                 base: str):
        self.engine, self.form, self.args, self.state, self.call, self.base = engine, form, args, state, call, base

    def answer(self, turn: Turn) -> Response:
        """Apply the turn's events (figures, metrics) and answer with its document."""
        record(self.call.ref, self.state.place, turn.events)
        return self.twiml(turn.document)

    def twiml(self, document: Document) -> Response:
        return twiml(current_app.extensions["ivr.renderer"].twiml(document, self.base))


def record(ref: CallRef | None, place: int, events: tuple[Event, ...]) -> None:
    usage = current_app.extensions["ivr.usage"]
    for event in events:
        usage.record(ref, place, event.kind, event.detail, event.out_of_hours)
        metrics.observe(event.kind, event.detail)


def read_url(app: Flask, query: str) -> tuple[Mapping[str, str], CallState]:
    """A request's query string (one of the line's own URLs, as Twilio sends it back): its fields,
    and the call's state. Kept: the same URLs come back call after call."""
    urls = app.extensions.get("ivr.urls")
    if urls is None:
        engine = app.extensions["ivr.engine"]

        def read(query: str) -> tuple[Mapping[str, str], CallState]:
            args = MappingProxyType(dict(parse_qsl(query)))
            return args, engine.state(args)
        urls = app.extensions["ivr.urls"] = functools.lru_cache(maxsize=4096)(read)
    return urls(query)


def webhook(handler):
    """Checks the signature, reads the call, and answers with the handler's TwiML."""
    timer = metrics.LATENCY.labels(handler.__name__)

    @functools.wraps(handler)
    def view():
        started = time.perf_counter()
        try:
            return answer()
        finally:
            if metrics.counted():
                timer.observe(time.perf_counter() - started)

    def answer():
        app, req = current_app._get_current_object(), request._get_current_object()
        name_the_request()
        base = public_base(req)
        form = form_fields(req)
        check_signature(app, req, base, form)
        this_engine: Engine = app.extensions["ivr.engine"]
        app.extensions["ivr.files"].recordings.look()   # one gone (or back): TwiML is built again without it
        args, state = read_url(app, req.query_string.decode("latin-1"))
        moment = SIMULATED_NOW.get() or app.config["IVR_CLOCK"]()
        # The team's leg of a transfer (the whisper) has its own CallSid: it belongs to its parent's call.
        ref = app.extensions["ivr.usage"].call(form.get("ParentCallSid") or form.get("CallSid"),
                                               this_engine.config.hours.local(moment).date())
        if log.isEnabledFor(logging.DEBUG):   # every step of every call: for debugging, not by default
            log.debug("%s node=%s lang=%s call=%s", req.path, args.get("node", "-"), args.get("lang", "-"),
                      mask_sid(form.get("CallSid")))
        call = Call(moment, form.get("From"), form.get("To"), ref)
        return handler(CallStep(this_engine, form, args, state, call, base))
    return view
