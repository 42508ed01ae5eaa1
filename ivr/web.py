"""The webhooks Twilio calls. Thin: check the request, ask the line, return its TwiML.

Every route here checks Twilio's signature first. Any unexpected error while
answering becomes the safety net's TwiML (an apology and a transfer to a
person), never a 5xx, so a caller is never left with a dead line.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file
from twilio.request_validator import RequestValidator
from werkzeug.exceptions import HTTPException

from .line import Line
from .context import AUDIO_BASE, CURRENT_CALL, REQUEST_ID, SIMULATED_NOW
from .privacy import mask_sid
from .usage import length_bucket

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
audio = Blueprint("audio", __name__)   # recordings: public words, fetched by Twilio without a signature
health = Blueprint("health", __name__)
LOOPBACK = ("127.0.0.1", "::1")
RECORDING_MAX_AGE = 24 * 3600   # Twilio and proxies may keep a recording this long


def line() -> Line:
    return current_app.extensions["ivr.line"]


def now() -> dt.datetime:
    return SIMULATED_NOW.get() or current_app.config["IVR_CLOCK"]()


def twiml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def signed_url() -> str:
    """The URL as Twilio requested it: the query string exactly as sent, not re-encoded."""
    url = request.host_url.rstrip("/") + quote(request.script_root + request.path)
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


@bp.before_app_request
def name_the_request():
    REQUEST_ID.set(secrets.token_hex(6))   # ties together the log lines of one request


@bp.before_request
def check_signature():
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        # Development mode may run without a token, but only for this machine.
        if current_app.config.get("IVR_DEVELOPMENT") and request.remote_addr in LOOPBACK:
            return None
        log.warning("refused %s: no TWILIO_AUTH_TOKEN to check signatures with", request.path)
        abort(403)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(token).validate(signed_url(), request.form, signature):
        log.warning("refused %s: missing or wrong Twilio signature", request.path)
        abort(403)
    return None


@bp.before_request
def remember_the_call():
    """What the engine needs from this request besides its parameters (see context.py)."""
    AUDIO_BASE.set(request.host_url.rstrip("/") + request.script_root)
    moment = now()
    hours = line().config.hours
    CURRENT_CALL.set(current_app.extensions["ivr.usage"].call(
        request.form.get("CallSid"), hours.local(moment).date(), not hours.is_open(moment)))
    log.info("%s node=%s lang=%s call=%s", request.path, request.args.get("node", "-"),
             request.args.get("lang", "-"), mask_sid(request.form.get("CallSid")))


@bp.post("/voice")
def incoming():
    return twiml(line().incoming(request.form.get("To"), now()))


@bp.post("/voice/key")
def key():
    form = request.form
    return twiml(line().key(line().parse_state(request.args), form.get("Digits"), now(),
                            speech=form.get("SpeechResult"), caller=form.get("From")))


@bp.post("/voice/silence")
def silence():
    return twiml(line().silence(line().parse_state(request.args), now()))


@bp.post("/voice/transfer/done")
def transfer_done():
    state = line().parse_state(request.args)
    return twiml(line().transfer_done(state, request.form.get("DialCallStatus"), now()))


@bp.post("/voice/status")
def call_status():
    """Twilio's status callback: the call has ended. Only its length is kept, in a bucket."""
    if request.form.get("CallStatus") in ("completed", "busy", "failed", "no-answer", "canceled"):
        seconds = request.form.get("CallDuration", "0")
        current_app.extensions["ivr.usage"].record("ended", length_bucket(int(seconds) if seconds.isdigit() else 0))
    return Response(status=204)


@bp.route("/voice/fallback", methods=["GET", "POST"])
def fallback():
    """For Twilio's VoiceFallbackUrl: the same TwiML `flask --app ivr fallback-twiml` prints."""
    return twiml(line().fallback_twiml)


@bp.errorhandler(Exception)
def safety_net(error: Exception):
    if isinstance(error, HTTPException):
        return error
    log.exception("error while answering %s; the safety net puts the caller through", request.path)
    try:
        body = line().rescue(request.args.get("lang"), now())
    except Exception:
        log.exception("the safety net failed too; answering with the fallback")
        body = line().fallback_twiml
    return twiml(body)


@audio.get("/audio/<language>/<prompt>.wav")
def recording(language: str, prompt: str):
    """Only a known prompt in a known language: the path never comes from the request."""
    found = line().recordings.get(language, prompt)
    if found is None:
        abort(404)
    return send_file(found.path, mimetype="audio/wav", max_age=RECORDING_MAX_AGE, conditional=True, etag=True)


@health.get("/healthz")
def healthz():
    """For the operator's monitoring: no signature, nothing about callers or secrets."""
    app_line = line()
    store = current_app.extensions["ivr.usage"].store
    store_ok = store is not None and store.healthy()
    checks = {
        "config": "ok",   # the app would not have started without it
        "catalogs": "ok" if not app_line.problems else "failing",
        "languages": len(app_line.config.languages),
        "store": "ok" if store_ok else ("off" if store is None else "failing"),
        "signatures": "checked" if current_app.config.get("TWILIO_AUTH_TOKEN") else "not checked",
        "texts": "offered" if app_line.texting else "not offered",
    }
    # 200 whenever calls can be answered: a failing store costs figures, not calls, and is
    # no reason for a platform to restart the line.
    healthy = checks["catalogs"] == "ok" and checks["store"] != "failing"
    return jsonify(status="ok" if healthy else "degraded", **checks), 200
