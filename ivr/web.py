"""The webhooks of a call Twilio makes: a few lines each (ivr/webhook.py does the rest).

Every webhook checks Twilio's signature first. Any unexpected error while answering becomes the
safety net's TwiML (an apology and a transfer to a person), never a 5xx, so a caller is never
left with a dead line.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from . import metrics, paths
from .call_facts import CallFacts
from .callflow.actions import Call
from .callflow.state import whole_number
from .callflow.transfers import ANSWERED
from .callflow.turn import Event, Kind
from .context import SIMULATED_AREA
from .signatures import form_fields, public_base
from .usage import CallRef, length_bucket
from .webhook import CallStep, engine, now, record, twiml, webhook

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
CALL_ENDED = ("completed", "busy", "failed", "no-answer", "canceled")


@bp.post(paths.CALL)
@webhook
def incoming(step: CallStep):
    return step.answer(step.engine.incoming(step.call, area=SIMULATED_AREA.get()))


@bp.post(paths.KEY)
@webhook
def key(step: CallStep):
    form = step.form
    return step.answer(step.engine.choose(step.state, step.call, form.get("Digits"),
                                             speech=form.get("SpeechResult")))


@bp.post(paths.SILENCE)
@webhook
def silence(step: CallStep):
    return step.answer(step.engine.silence(step.state, step.call))


@bp.post(paths.TRANSFER_DONE)
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


@bp.post(paths.SCREEN)
@webhook
def screen(step: CallStep):
    """The team's leg: whoever answers a transfer hears who is calling, and must press 1."""
    return step.twiml(step.engine.transfers.whisper(step.args))


@bp.post(paths.SCREEN_ANSWER)
@webhook
def screen_answer(step: CallStep):
    transfers = step.engine.transfers
    if transfers.accepted(step.form.get("Digits")):
        facts().claim(leg(step, step.form.get("CallSid")), "accepted")   # for a <Dial> action without DialBridged
    return step.twiml(transfers.whisper_answered(step.form.get("Digits")))


def facts() -> CallFacts:
    return current_app.extensions["ivr.facts"]


def leg(step: CallStep, call_sid: str | None) -> CallRef | None:
    """A leg of the call (the team's), as the call facts know it: its own CallSid, hashed."""
    return current_app.extensions["ivr.usage"].call(call_sid, step.engine.config.hours.local(step.call.now).date())


@bp.post(paths.STATUS)
@webhook
def call_status(step: CallStep):
    """Twilio's status callback: the call has ended. Only its length is kept, in a bucket."""
    if step.form.get("CallStatus") in CALL_ENDED:
        # CallDuration: "The duration in seconds of the just-completed call" (a whole number); a
        # call lasts at most 24 hours.
        seconds = whole_number(step.form.get("CallDuration"), 24 * 3600 + 1) or 0
        record(step.call.ref, step.state.place, (Event(Kind.ENDED, length_bucket(seconds)),))
    return Response(status=204)


@bp.route(paths.FALLBACK, methods=["GET", "POST"])
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
        if request.path.startswith(paths.SCREEN):
            document = engine().transfers.rescue_team_leg()
        else:
            form = form_fields(request)
            call = Call(now(), form.get("From"), form.get("To"))
            # (read as CallState.parse reads them: the state itself may be what failed)
            document = engine().rescue(request.args.get("lang"), call, request.args.get("area"),
                                       slow=request.args.get("slow") == "1")
        body = current_app.extensions["ivr.renderer"].twiml(document, public_base(request))
    except Exception:
        log.exception("the safety net failed too; answering with the fallback")
        body = current_app.extensions["ivr.fallback_twiml"]
    return twiml(body)
