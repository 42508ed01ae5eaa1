"""Putting a caller through to a person: who answers, each of their numbers in turn, screening,
how each attempt ended, and the safety net.

One path from the webhooks to the documents:

    start(state)  -> Dial (answerOnBridge, a British ring) of the first number, screened
    whisper(...)  -> the whisper, played to whoever answers: "... press 1 to take the call"
    whisper_answered(key) -> 1: Accept (Twilio joins the two); anything else: hang up that leg
    done(state, DialCallStatus, DialBridged)
                  -> answered: hang up when it is over; otherwise the next number, and after
                     the last one the engine says so and what the caller can do next

A screened leg that answers but is never accepted (a voicemail, an answering machine, a
wrong key) reports DialCallStatus "completed" with DialBridged "false": it counts as
"declined", never as answered, so no voicemail ever takes a caller.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Iterable, Mapping
from urllib.parse import urlencode

from .. import paths
from ..config import Language, LineConfig
from ..phone_numbers import is_e164
from ..routing import ANY_TIME, Contact, Routes
from ..texting import withheld
from ..words import Utterance, Wording
from .actions import Call
from .state import TRANSFER_FAILED, CallState
from .turn import Accept, Dial, Document, Event, Hangup, Kind, Screen, Turn

log = logging.getLogger(__name__)

ANSWERED = ("completed", "answered")   # DialCallStatus values meaning the called leg picked up
# How an attempt ended, as the figures and metrics count it: nothing else is ever stored.
OUTCOMES = ("answered", "declined", "busy", "no-answer", "failed")
ACCEPT_KEY = "1"                       # what the person answering presses to take the call
LINE_DOWN = "error.line_down"          # the static fallback, when it can put nobody through
WHISPER = "screen.whisper"             # said to the person answering, before the caller is joined
NOT_TAKEN = "screen.not_taken"         # said to them when no key (or a wrong one) came
TEAM_PROMPTS = (WHISPER, NOT_TAKEN)    # said in the teams' language only


def outcome(status: str | None, bridged: str | None, screened: bool) -> str:
    """One of OUTCOMES, from what Twilio posts to the <Dial> action."""
    if status in ANSWERED:
        # A screened leg is joined only when someone pressed the key: without it, whatever
        # picked up (a voicemail) was hung up on, and the caller was never connected.
        return "answered" if bridged == "true" or not screened else "declined"
    if status in ("busy", "no-answer"):
        return status
    return "failed"   # failed, canceled, or a status this line does not know


@dataclass(frozen=True)
class Attempt:
    """How a transfer goes on after one of its numbers: ``document`` (the call ends, or the next
    number rings), or None: every number of ``contact`` tried (None: a forged URL named no
    contact), and the engine says what the caller can do next."""
    document: Document | None
    events: tuple[Event, ...] = ()
    contact: str | None = None


class Transfers:
    def __init__(self, config: LineConfig, wording: Wording, language_names: Mapping[str, str]):
        self.config = config
        self.routes: Routes = config.routes
        self.wording = wording
        self.team_language = config.first_language
        self.language_names = language_names   # language code -> its name in the teams' language
        # Built once per state, like the menus (see Engine): nothing about the caller goes in.
        self._dials = functools.lru_cache(maxsize=1024)(self._dial)
        self._whispers = functools.lru_cache(maxsize=256)(self._whisper)

    # -- the caller's leg --------------------------------------------------------
    def start(self, state: CallState, call: Call, contact: Contact | None = None, lead: Iterable[str] = ()) -> Turn:
        """Say ``lead`` and who answers, and ring their first number."""
        contact = contact or self.routes.answering(state.area, call.now)
        after = state.at(TRANSFER_FAILED, contact.key)   # keeps the language, the area and slower speech
        return Turn(self._dials(after, self.caller_id(call), tuple(lead)),
                    (Event(Kind.TRANSFER, self.label(contact, state.area)),))

    def caller_id(self, call: Call) -> str | None:
        """The number the team sees, when not the caller's own: line.yaml's transfer.caller_id; else,
        for a caller whose number is withheld or unknown, the line's own number (the call's To).
        "If a specific Caller ID is not explicitly defined on the <Dial> verb, the invalid Caller ID
        will be passed to the destination. This may cause some destination providers to reject the
        call" (Twilio error 13214), and callerId may be "Either the To or From number provided in
        Twilio's TwiML request" (https://www.twilio.com/docs/voice/twiml/dial). A withheld caller was
        told the team would not see their number: nor does it."""
        if self.config.transfer.caller_id:
            return self.config.transfer.caller_id
        if call.caller is not None and withheld(call.caller) and is_e164(call.line_number):
            return call.line_number
        return None

    def words(self, after: CallState, lead: Iterable[str] = ()) -> list[Utterance]:
        """What the caller hears before a transfer to ``after.contact``."""
        language = self.config.language(after.lang) or self.team_language
        return [self.wording.said(p, language, after.area) for p in (*lead, f"transfer.{after.contact}")]

    def label(self, contact: Contact, area: str | None) -> str:
        """The contact as the figures and metrics name it: with its area where numbers differ by area."""
        view = self.routes.area(area)
        if view.key and len(self.config.areas) > 1:
            return f"{view.key}/{contact.key}"
        return contact.key

    def done(self, state: CallState, call: Call, status: str | None, bridged: str | None,
             first_report: bool) -> Attempt:
        """Twilio reports how an attempt ended: end the call, or ring the next number, or (None)
        every number has been tried. ``first_report`` False: the same report again (a replay):
        answered alike, counted once."""
        contact = self.routes.area(state.area).contacts.get(state.contact)
        if contact is None:   # only a forged URL: nothing was dialled from it
            return Attempt(None)
        attempt = state.attempt   # (a forged one past the last number: every number has been tried)
        ended = outcome(status, bridged, contact.screen)
        log.debug("transfer to %s, number %d: %s", contact.key, attempt + 1, ended)
        events = (Event(Kind.TRANSFER_OUTCOME, f"{self.label(contact, state.area)}:{ended}"),) if first_report else ()
        if ended == "answered":
            return Attempt(Hangup(), events)
        if attempt + 1 < len(contact.numbers):
            return Attempt(self._dials(state.trying(attempt + 1), self.caller_id(call)), events)
        return Attempt(None, events, contact.key)

    def _dial(self, after: CallState, caller_id: str | None, lead: tuple[str, ...] = ()) -> Dial:
        contact = self.routes.area(after.area).contacts[after.contact]
        spoken = tuple(self.words(after, lead)) if after.attempt == 0 else ()   # the next number: just ringing
        return Dial(spoken, contact.numbers[after.attempt], self.screen_url(contact, after.lang),
                    action=after.url(paths.TRANSFER_DONE), slow=after.slow, caller_id=caller_id)

    # -- the team's leg ------------------------------------------------------------
    @staticmethod
    def screen_url(contact: Contact, lang: str) -> str | None:
        """The whisper's address: it needs only the caller's language (the whisper names it)."""
        if not contact.screen:
            return None
        return f"{paths.SCREEN}?" + urlencode({"lang": lang})

    def whisper(self, args: Mapping[str, str]) -> Screen:
        """The whisper, for whoever answers: which line, which language, and the key to take the call."""
        lang = args.get("lang") if args.get("lang") in self.language_names else self.team_language.code
        return self._whispers(lang)

    def _whisper(self, lang: str) -> Screen:
        whisper = Utterance(WHISPER, self.team_language, ACCEPT_KEY, self.language_names[lang])
        return Screen((whisper,), paths.SCREEN_ANSWER, self.config.transfer.screen_seconds,
                      (Utterance(NOT_TAKEN, self.team_language),))

    @staticmethod
    def accepted(digits: str | None) -> bool:
        return digits == ACCEPT_KEY

    def whisper_answered(self, digits: str | None) -> Document:
        """The person answering pressed ``digits``: the key joins the caller; anything else ends the leg."""
        if self.accepted(digits):
            return Accept()
        return self.rescue_team_leg()

    # -- the safety net ----------------------------------------------------------
    def rescue(self, language: Language, call: Call, area: str | None, slow: bool) -> Dial:
        """Apologise and put the caller through to whoever answers now in ``area`` (the out-of-hours
        service if even that cannot be worked out), screened like any transfer; then the numbers.
        ``slow``: the caller asked for slower speech."""
        try:
            contact = self.routes.answering(area, call.now)
        except Exception:
            log.exception("routing failed in the safety net")
            contact = self.routes.urgent(area)
        return Dial((Utterance("error.safety_net", language),), contact.numbers[0],
                    self.screen_url(contact, language.code),
                    afterwards=(self.wording.said("goodbye.numbers", language, area),), caller_id=self.caller_id(call),
                    slow=slow)

    def rescue_team_leg(self) -> Hangup:
        """The safety net on the team's leg (the whisper): Twilio allows no <Dial> there ("TwiML
        documents executed in this manner are not allowed to contain the <Dial> verb",
        https://www.twilio.com/docs/voice/twiml/number), so that leg ends; the transfer counts as
        not taken and the next number, or what the caller can do next, follows."""
        return Hangup((Utterance(NOT_TAKEN, self.team_language),))

    def fallback(self, line_number: str | None = None) -> Document:
        """For a TwiML Bin, served when the line itself cannot answer. It has no clock, so it dials
        only a service that takes calls at any hour (line.yaml hours: any time): the override, the
        out-of-hours service or the day team, the first of them that does, unscreened (there is no
        webhook to screen with). With ``line_number`` (the Twilio number it serves) the team sees
        that number: a withheld caller's could not be passed on. If none does (the shipped line:
        each keeps its hours), it dials nobody: it apologises, says each service's number and
        when it answers, and 999, and ends the call."""
        language = self.team_language
        routing = self.config.routing
        contact = next((contact for contact in (routing.override, routing.out_of_hours, routing.in_hours)
                        if contact is not None and contact.hours == ANY_TIME), None)
        numbers = (self.wording.said("goodbye.numbers", language),)
        if contact is None:
            return Hangup((Utterance(LINE_DOWN, language), *numbers))
        return Dial((Utterance("error.safety_net", language),), contact.numbers[0], None, afterwards=numbers,
                    caller_id=self.config.transfer.caller_id or line_number)
