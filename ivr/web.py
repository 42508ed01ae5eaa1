"""The webhooks Twilio calls. Thin: check the request, ask the engine for its turn, apply the
turn's events (usage figures, metrics), and answer with its document as TwiML.

Every webhook checks Twilio's signature first (the `webhook` decorator). Any
unexpected error while answering becomes the safety net's TwiML (an apology and
a transfer to a person), never a 5xx, so a caller is never left with a dead line.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
from types import MappingProxyType
from typing import Mapping
from urllib.parse import parse_qsl, quote

from flask import Blueprint, Flask, Request, Response, abort, current_app, jsonify, request, send_file
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm
from werkzeug.exceptions import HTTPException

from . import metrics, twilio_alerts
from .call_facts import CallFacts
from .callflow.actions import Call
from .callflow.engine import Engine
from .callflow.state import CallState, whole_number
from .callflow.transfers import ANSWERED, SCREEN_PATH
from .callflow.turn import Document, Event, Kind, Turn
from .context import SIMULATED_AREA, SIMULATED_NOW, name_the_request
from .limits import BODY
from .privacy import mask_sid
from .usage import CallRef, length_bucket

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
audio = Blueprint("audio", __name__)   # recordings: public words, fetched by Twilio without a signature
health = Blueprint("health", __name__)
alerts = Blueprint("alerts", __name__)   # Twilio's Debugger webhook: about the account, not a call
LOOPBACK = ("127.0.0.1", "::1")
RECORDING_MAX_AGE = 24 * 3600   # Twilio and proxies may keep a recording this long
CALL_ENDED = ("completed", "busy", "failed", "no-answer", "canceled")


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


FORM_TYPE = "application/x-www-form-urlencoded"   # what Twilio posts
FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # Twilio's parameter names: CallSid, DialCallStatus ...


class Fields(dict):
    """A webhook's form fields: the first value of each name, as the line reads them, and every
    value of a repeated name for the signature. twilio's RequestValidator asks for them with
    ``getall`` first: answering it spares the exceptions it catches for other kinds of dict.
    ``odd``: a name Twilio never sends (see FIELD_NAME)."""
    __slots__ = ("repeated", "odd")

    def getall(self, name: str) -> list[str]:
        return self.repeated.get(name) or [self[name]]


def form_fields(req: Request) -> Fields:
    """The form, parsed once from the body RequestLimits has read (werkzeug would read and parse
    it again into a MultiDict, then the line would copy it). Not a form: no fields."""
    fields = Fields()
    fields.repeated = {}
    fields.odd = None
    body = req.environ.get(BODY)
    if body and req.environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() == FORM_TYPE:
        # Twilio sends UTF-8; anything else is no Twilio request, and fails its signature check.
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace"):
            if fields.odd is None and not FIELD_NAME.fullmatch(name):
                fields.odd = name
            if name in fields:
                fields.repeated.setdefault(name, [fields[name]]).append(value)
            else:
                fields[name] = value
    return fields


@functools.lru_cache(maxsize=64)
def quoted(path: str) -> str:
    return quote(path)   # the line has a handful of paths: quoted once each


@functools.lru_cache(maxsize=8)
def validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def public_base(req: Request) -> str:
    """The line's public address: IVR_PUBLIC_URL, the one Twilio is told to call, whatever host or
    forwarded headers a request names; without it (development, the tests), as the request was
    addressed (after ProxyFix): scheme, host and prefix."""
    return current_app.config.get("IVR_PUBLIC_URL") or req.host_url.rstrip("/") + req.script_root


def signed_url(req: Request, base: str) -> str:
    """The URL as Twilio requested it: the query string exactly as sent, not re-encoded."""
    url = base + quoted(req.path)
    if req.query_string:
        url += "?" + req.query_string.decode("latin-1")
    return url


def check_signature(app: Flask, req: Request, base: str, form: Fields) -> None:
    token = app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        # Development mode may run without a token, but only for this machine.
        if app.config.get("IVR_DEVELOPMENT") and req.remote_addr in LOOPBACK:
            return
        refuse(req, "no TWILIO_AUTH_TOKEN to check signatures with")
    if form.odd is not None or not form.get("AccountSid", "").startswith("AC"):
        # Twilio's signature is the URL and the sorted fields joined with nothing between them, so a
        # captured request can be re-split: part of its URL moved into a field's name, or its
        # AccountSid's name into a value. Twilio sends every webhook its AccountSid, under names of
        # letters and digits (https://www.twilio.com/docs/voice/twiml, "Twilio's request to your
        # application"); a request that does not is no Twilio request.
        refuse(req, "a field Twilio never sends" if form.odd is not None else "no AccountSid")
    signature = req.headers.get("X-Twilio-Signature", "")
    settings = req.headers.get(SIGNATURE_SETTINGS_HEADER)
    if settings is None:
        valid = validator(token).validate(signed_url(req, base), form, signature)
    else:
        # "If a Webhooks Rule matches the webhook URL, Twilio signs with the Setting's SharedKey and
        # algorithm instead, and adds this header" (twilio-node, examples/WebhookSignatureValidation.md);
        # twilio's RequestValidator checks it with the SharedKey's secret and the header's algorithm.
        secret = app.config.get("TWILIO_WEBHOOK_SHARED_KEY")
        if not secret:
            refuse(req, f"signed with a shared key ({SIGNATURE_SETTINGS_HEADER}) but TWILIO_WEBHOOK_SHARED_KEY "
                        "is not set")
        valid = validator(secret).validate(signed_url(req, base), form, signature,
                                           algorithm=get_signature_algorithm(settings))
    if not valid:
        refuse(req, "missing or wrong Twilio signature")


def refuse(req: Request, why: str) -> None:
    log.warning("refused %s: %s", req.path, why)
    metrics.REFUSED.inc()
    abort(403)


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


@bp.post("/voice")
@webhook
def incoming(step: CallStep):
    return step.answer(step.engine.incoming(step.call, area=SIMULATED_AREA.get()))


@bp.post("/voice/key")
@webhook
def key(step: CallStep):
    form = step.form
    return step.answer(step.engine.key(step.state, step.call, form.get("Digits"),
                                             speech=form.get("SpeechResult")))


@bp.post("/voice/silence")
@webhook
def silence(step: CallStep):
    return step.answer(step.engine.silence(step.state, step.call))


@bp.post("/voice/transfer/done")
@webhook
def transfer_done(step: CallStep):
    form = step.form
    status, dialled = form.get("DialCallStatus"), form.get("DialCallSid")
    # Twilio's signatures allow a captured request to be sent again: each leg's outcome is counted
    # once, whichever instance gets it (the figures and the alert on unanswered transfers).
    first = facts().claim(leg(step, dialled), "outcome") is not False
    return step.answer(step.engine.transfer_done(
        step.state, step.call, status, bridged(step, status, dialled, form.get("DialBridged")),
        first_report=first))


def bridged(step: CallStep, status: str | None, dialled_sid: str | None, reported: str | None) -> str | None:
    """Whether the caller was joined to the person who answered: as Twilio reports it (DialBridged,
    "true only if the call was bridged with the parent", TwiML changelog 2020-12-09), or, where
    Twilio leaves it out of a transfer that was picked up, whether that leg's person pressed the key
    to take the call, as whichever instance answered the whisper recorded it (ivr/call_facts.py)."""
    if reported is not None:
        return reported.lower()
    if status not in ANSWERED:   # busy, no answer, failed: nobody picked up to be joined
        return "false"
    accepted = facts().known(leg(step, dialled_sid), "accepted")
    if accepted is None:
        log.warning("transfer ended without DialBridged, and whether it was accepted is not known: "
                    "counted as not taken")
    return "true" if accepted else "false"


@bp.post(SCREEN_PATH)
@webhook
def screen(step: CallStep):
    """The team's leg: whoever answers a transfer hears who is calling, and must press 1."""
    return step.twiml(step.engine.transfers.screen(step.args))


@bp.post(f"{SCREEN_PATH}/answer")
@webhook
def screen_answer(step: CallStep):
    transfers = step.engine.transfers
    if transfers.accepted(step.form.get("Digits")):
        facts().claim(leg(step, step.form.get("CallSid")), "accepted")   # for a <Dial> action without DialBridged
    return step.twiml(transfers.screened(step.form.get("Digits")))


def facts() -> CallFacts:
    return current_app.extensions["ivr.facts"]


def leg(step: CallStep, call_sid: str | None) -> CallRef | None:
    """A leg of the call (the team's), as the call facts know it: its own CallSid, hashed."""
    return current_app.extensions["ivr.usage"].call(call_sid, step.engine.config.hours.local(step.call.now).date())


@bp.post("/voice/status")
@webhook
def call_status(step: CallStep):
    """Twilio's status callback: the call has ended. Only its length is kept, in a bucket."""
    if step.form.get("CallStatus") in CALL_ENDED:
        # CallDuration: "The duration in seconds of the just-completed call" (a whole number); a
        # call lasts at most 24 hours.
        seconds = whole_number(step.form.get("CallDuration"), 24 * 3600 + 1) or 0
        record(step.call.ref, step.state.place, (Event(Kind.ENDED, length_bucket(seconds)),))
    return Response(status=204)


@bp.route("/voice/fallback", methods=["GET", "POST"])
@webhook
def fallback(step: CallStep):
    """For Twilio's VoiceFallbackUrl: the same TwiML `flask --app ivr fallback-twiml` prints."""
    return twiml(current_app.extensions["ivr.fallback_twiml"])


@bp.errorhandler(Exception)
def safety_net(error: Exception):
    if isinstance(error, HTTPException):
        return error
    log.exception("error while answering %s; the safety net puts the caller through", request.path)
    if metrics.counted():
        metrics.SAFETY_NET.inc()
    try:
        if request.path.startswith(SCREEN_PATH):
            document = engine().transfers.rescue_team_leg()
        else:
            form = form_fields(request)
            call = Call(now(), form.get("From"), form.get("To"))
            document = engine().rescue(request.args.get("lang"), call, request.args.get("area"))
        body = current_app.extensions["ivr.renderer"].twiml(document, public_base(request))
    except Exception:
        log.exception("the safety net failed too; answering with the fallback")
        body = current_app.extensions["ivr.fallback_twiml"]
    return twiml(body)


@alerts.post("/twilio/alerts")
@webhook
def twilio_alert(step: CallStep):
    """Twilio's Debugger webhook: an error or a warning on the account, counted by code
    (ivr/twilio_alerts.py). Signed like every webhook; no call's safety net here: a failure to count
    is logged, and Twilio gets its 204 all the same."""
    try:
        twilio_alerts.receive(step.form, facts(), step.engine.config.hours.local(step.call.now).date())
    except Exception:
        log.exception("a Twilio alert could not be counted")
    return Response(status=204)


@audio.get("/audio/<language>/<prompt>.wav")
def recording(language: str, prompt: str):
    """Only a known prompt in a known language: the path never comes from the request."""
    found = current_app.extensions["ivr.files"].recordings.get(language, prompt)
    if found is None:
        abort(404)
    try:
        return send_file(found.path, mimetype="audio/wav", max_age=RECORDING_MAX_AGE, conditional=True, etag=True)
    except FileNotFoundError:   # gone since the line last looked (Recordings.look): not found, not an error
        abort(404)


@health.get("/healthz")
def healthz():
    """For the operator's monitoring: no signature, nothing about callers or secrets."""
    name_the_request()
    recorder = current_app.extensions["ivr.usage"]
    recordings = current_app.extensions["ivr.files"].recordings
    store = recorder.store
    # known already: the store is not asked; a write waiting for it too long counts as failing
    store_ok = store is not None and recorder.writing_ok and not recorder.stalled()
    recordings.look()
    missing = recordings.missing
    checks = {
        "config": "ok",      # the app would not have started without it
        "catalogs": "ok",    # nor without every translation
        "recordings": "ok" if not missing else f"{len(missing)} missing: "
                      + ", ".join(f"{code}/{prompt}" for code, prompt in sorted(missing)[:5]),
        "languages": len(engine().config.languages),
        "store": "ok" if store_ok else ("off" if store is None else "failing"),
        "signatures": "checked" if current_app.config.get("TWILIO_AUTH_TOKEN") else "not checked",
        "texts": "offered" if engine().texts_offered else "not offered",
    }
    # 200 whenever calls can be answered: a failing store costs figures, not calls, and is
    # no reason for a platform to restart the line.
    healthy = checks["store"] != "failing" and not missing
    return jsonify(status="ok" if healthy else "degraded", **checks), 200
