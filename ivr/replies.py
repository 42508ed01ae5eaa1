"""Replies to the line's texts: nobody reads them, so each phone that writes gets one short
automatic answer saying so (sms.reply: who to call instead), in the language of the text it was
sent, and later replies get none (no ping-pong with an auto-responder).

Twilio's incoming-message webhook (``/sms/reply``, set on the number by `ivr twilio-number`):
a form with From, To, Body, MessageSid …; the answer is messaging TwiML, ``<Message>`` to reply
and an empty ``<Response/>`` not to ("It is also possible to receive an incoming message and not
send a reply message back to the user. To do so, simply send <Response></Response>":
https://www.twilio.com/docs/usage/webhooks/messaging-webhooks). Signed like every webhook.

The opt-out words (STOP …) are Twilio's to answer: "when Twilio receives an opt-out keyword ...
Twilio will reply with a pre-generated response and will no longer send messages ... until the
sender opts back in" (Twilio support, "Twilio support for opt-out keywords (SMS STOP filtering)"),
so the line never answers them or the opt-in and help words Twilio also keeps.

Privacy: the body is never read, logged or kept. To answer once, and in the right language, the
line keeps for two days (ivr/call_facts.py) a keyed hash of the phone number cut to 20 bits: about
a thousand UK mobile numbers share each value, so it names no one, even to someone holding the
secret; two phones sharing one in two days cost one of them its automatic answer.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app
from twilio.twiml.messaging_response import MessagingResponse

from . import paths
from .call_facts import REPLIED, TEXTED, phone_ref
from .webhook import CallStep, webhook

log = logging.getLogger(__name__)
bp = Blueprint("replies", __name__)

# Twilio's default opt-out, opt-in and help words (the support article above), answered by Twilio.
TWILIO_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
                "START", "YES", "UNSTOP", "HELP", "INFO"}


def empty() -> Response:
    return Response(str(MessagingResponse()), mimetype="text/xml")


@bp.post(paths.TEXT_REPLY)
@webhook
def reply(step: CallStep):
    """Answer the first text a phone sends the line, once; nothing else, whatever goes wrong."""
    try:
        return answer(step)
    except Exception:   # a reply is a courtesy: a failure is logged, and Twilio gets a valid "no reply"
        log.exception("a reply to a text could not be answered")
        return empty()


def answer(step: CallStep) -> Response:
    sender = step.form.get("From") or ""
    if not sender or (step.form.get("Body") or "").strip().upper() in TWILIO_WORDS:
        return empty()
    engine = step.engine
    facts = current_app.extensions["ivr.facts"]
    ref = phone_ref(current_app.extensions["ivr.usage"].secret, sender, engine.config.hours.local(step.call.now).date())
    if facts.claim(ref, REPLIED) is False:
        log.info("a reply to a text: answered before, not again")
        return empty()
    texted = [engine.config.language(fact.removeprefix(TEXTED)) for fact in facts.of(ref) or ()
              if fact.startswith(TEXTED)]
    language = next((found for found in texted if found is not None), engine.config.first_language)
    response = MessagingResponse()
    response.message(engine.wording.text_message("sms.reply", language))
    log.info("a reply to a text: answered once, in %s", language.code)
    return Response(str(response), mimetype="text/xml")
