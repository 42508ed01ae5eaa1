"""The text message a caller may ask for: who may have one, and sending it through Twilio.

Sent with twilio's REST client within a wall-clock deadline (``texting.timeout_seconds``
for the whole send, not per socket read: an API that trickles its answer cannot hold
the caller): a text that fails or is not sent in time is reported to the caller, and
the call goes on. The caller's number
is used only to send it, never logged or kept.
"""
from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor, TimeoutError as Late
from typing import TYPE_CHECKING

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .call_facts import TEXTED, phone_ref
from .config import TextSettings
from .context import SIMULATED_TEXTS, SIMULATION
from .phone_numbers import is_e164

if TYPE_CHECKING:
    from .call_facts import CallFacts
    from .config import LineConfig
    from .usage import CallRef

log = logging.getLogger(__name__)

# UK mobile numbers: 071-075 and 077-079, and 07624 (Isle of Man).
# Source: Ofcom, National Telephone Numbering Plan, 07 range.
UK_MOBILE = re.compile(r"\+447(?:[1-57-9][0-9]{8}|624[0-9]{6})")   # whole strings (fullmatch)
# What Twilio puts in "From" when the caller withholds their number (it spells
# ANONYMOUS, UNKNOWN, RESTRICTED, BLOCKED on a keypad), or the words some carriers send.
# Source: Twilio support, "Why do I see strange numbers such as +266696687 in my call logs?"
WITHHELD = {"+266696687", "+86282452253", "+7378742833", "+2562533"}
# Ofcom keeps 07700 900000-900999 for drama: the example sender that ships in line.yaml.
EXAMPLE_MOBILE = re.compile(r"\+447700900[0-9]{3}")   # whole strings (fullmatch)
# Texts are sent from these threads, so that a send can be given up at its deadline.
SENDERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="text-sender")


def withheld(caller: str | None) -> bool:
    """Whether Twilio's From is no number a text or a transfer can use: withheld or unknown. "If a
    caller ID is withheld or otherwise unavailable, you may receive a string that contains
    anonymous, unknown, or other descriptions" (https://www.twilio.com/docs/voice/twiml, From), in
    any case ("anonymous or Anonymous", TwiML changelog 2024-07-22); older calls, the numbers above."""
    return not caller or caller in WITHHELD or not is_e164(caller)


class Texter:
    def __init__(self, settings: TextSettings, account_sid: str | None, auth_token: str | None,
                 http_client=None, facts: "CallFacts | None" = None, secret: bytes | None = None):
        self.settings = settings
        self.facts = facts   # where every instance records a text sent (ivr/call_facts.py)
        self.secret = secret   # the usage secret: a phone as the facts know it, to answer a reply in its language
        self.ready = bool(account_sid and auth_token)
        self._client = None
        if self.ready:
            http_client = http_client or TwilioHttpClient(timeout=settings.timeout_seconds)
            self._client = Client(account_sid, auth_token, http_client=http_client)

    @staticmethod
    def refusal(caller: str | None) -> str | None:
        """Why this caller cannot have a text (a prompt id), or None if they can."""
        if withheld(caller):
            return "text.withheld"
        if not UK_MOBILE.fullmatch(caller):
            return "text.not_mobile"
        return None

    def send(self, to: str, body: str, call: "CallRef | None" = None, language: str | None = None) -> str:
        """Send ``body`` to ``to`` at most once for ``call``: "sent", "failed", or "already_sent" when
        any instance has sent this call its text already (a replayed request, say). The text's
        ``language`` is remembered for a while, so that a reply is answered in it."""
        if SIMULATION.get():   # the terminal call and the console never send a real text: they show it
            shown = SIMULATED_TEXTS.get()
            if shown is not None:
                shown.append(body)
            log.info("text not sent: a simulated call")
            return "sent"
        if not self.ready:
            log.warning("text not sent: TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is not set")
            return "failed"
        claimed = self.facts.claim(call, "texted") if self.facts else None
        if claimed is False:
            log.info("text not sent: already sent on this call")
            return "already_sent"
        if self._send(to, body):
            if self.facts and self.secret and call is not None and language:
                self.facts.claim(phone_ref(self.secret, to, call.day), f"{TEXTED}{language}")
            return "sent"
        if claimed:
            self.facts.release(call, "texted")   # not sent after all: the caller may ask again
        return "failed"

    def _send(self, to: str, body: str) -> bool:
        sending = SENDERS.submit(self._client.messages.create, to=to, from_=self.settings.sender, body=body)
        try:
            sending.result(timeout=self.settings.timeout_seconds)
        except Late:
            # The send goes on in the background until its socket gives up; the caller does not wait.
            log.warning("text not sent: no answer from Twilio within %g s", self.settings.timeout_seconds)
            return False
        except Exception as error:   # a failed text must never break the call
            log.warning("text not sent: %s", type(error).__name__)
            return False
        log.info("text sent")
        return True


def init_app(app, config: "LineConfig", facts: "CallFacts") -> Texter | None:
    """The app's texter, when line.yaml sets texts up (None: not offered); without Twilio credentials
    it cannot send, and the line does not offer texts, saying why in the log."""
    if not config.texting:
        return None
    texter = Texter(config.texting, app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"],
                    app.config["TWILIO_HTTP_CLIENT"], facts, app.extensions["ivr.usage"].secret)
    if not texter.ready:
        missing = " and ".join(name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not app.config[name])
        log.warning("Texts are set up in line.yaml but %s %s not set: the line will not offer them.",
                    missing, "are" if " and " in missing else "is")
    return texter
