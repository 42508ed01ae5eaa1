"""Putting a caller through to a person: who answers, each of their numbers in turn, screening,
how each attempt ended, and the safety net.

One path from the webhooks to the TwiML:

    start(state)  -> <Dial answerOnBridge ringTone=uk><Number url=screen>first number</Number></Dial>
    screen(...)   -> the whisper, played to whoever answers: "... press 1 to take the call"
    screened(key) -> 1: an empty answer (Twilio joins the two); anything else: hang up that leg
    done(state, DialCallStatus, DialBridged)
                  -> answered: hang up when it is over; otherwise the next number, and after
                     the last one the caller hears so and what they can do next

A screened leg that answers but is never accepted (a voicemail, an answering machine, a
wrong key) reports DialCallStatus "completed" with DialBridged "false": it counts as
"declined", never as answered, so no voicemail ever takes a caller.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import replace
from typing import Callable, Iterable, Mapping
from urllib.parse import urlencode

from .config import Contact, Language, LineConfig, is_e164
from .context import AUDIO_BASE, CALL_NUMBERS
from .flow import TRANSFER_FAILED
from .render import Renderer, Utterance
from .state import CallState
from .texting import withheld

log = logging.getLogger(__name__)

ANSWERED = ("completed", "answered")   # DialCallStatus values meaning the called leg picked up
# How an attempt ended, as the figures and metrics count it: nothing else is ever stored.
OUTCOMES = ("answered", "declined", "busy", "no-answer", "failed")
ACCEPT_KEY = "1"                       # what the person answering presses to take the call
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


class Transfers:
    def __init__(self, config: LineConfig, renderer: Renderer, team_language: Language,
                 language_names: Mapping[str, str], record: Callable[..., None]):
        self.config = config
        self.renderer = renderer
        self.team_language = team_language
        self.language_names = language_names   # language code -> its name in the teams' language
        self.record = record                   # usage figures: record(kind, detail)
        # Built once per state, like the menus (see Line): nothing about the caller goes in.
        self._dial_twiml = functools.lru_cache(maxsize=1024)(self._build_dial)
        self._screen_twiml = functools.lru_cache(maxsize=256)(self._build_screen)
        self.caches = (self._dial_twiml, self._screen_twiml)   # for Line.forget_answers
        self.contact_keys = frozenset(key for area in config.every_area() for key in area.contacts)

    # -- the caller's leg --------------------------------------------------------
    def start(self, state: CallState, now: dt.datetime, contact: Contact | None = None,
              lead: Iterable[str] = ()) -> str:
        """Say ``lead`` and who answers, and ring their first number."""
        contact = contact or self.config.area(state.area).routing.route_for(now)
        log.debug("transfer to %s", contact.key)
        self.record("transfer", self.label(contact, state.area))
        after = state.at(TRANSFER_FAILED, contact.key)   # keeps the language, the area and slower speech
        return self._dial_twiml(after, tuple(lead), AUDIO_BASE.get(), self.caller_id())

    def caller_id(self) -> str | None:
        """The number the team sees, when not the caller's own: line.yaml's transfer.caller_id; else,
        for a caller whose number is withheld or unknown, the line's own number (the call's To).
        "If a specific Caller ID is not explicitly defined on the <Dial> verb, the invalid Caller ID
        will be passed to the destination. This may cause some destination providers to reject the
        call" (Twilio error 13214), and callerId may be "Either the To or From number provided in
        Twilio's TwiML request" (https://www.twilio.com/docs/voice/twiml/dial). A withheld caller was
        told the team would not see their number: nor does it."""
        if self.config.transfer.caller_id:
            return self.config.transfer.caller_id
        caller, line_number = CALL_NUMBERS.get()
        return line_number if caller is not None and withheld(caller) and is_e164(line_number) else None

    def words(self, after: CallState, lead: Iterable[str] = ()) -> list[Utterance]:
        """What the caller hears before a transfer to ``after.contact``."""
        language = self.config.language(after.lang) or self.team_language
        return [self.renderer.said(p, language, after.area) for p in (*lead, f"transfer.{after.contact}")]

    def label(self, contact: Contact, area: str | None) -> str:
        """The contact as the figures and metrics name it: with its area where numbers differ by area."""
        view = self.config.area(area)
        if view.key and len(self.config.areas) > 1:
            return f"{view.key}/{contact.key}"
        return contact.key

    def done(self, state: CallState, status: str | None, bridged: str | None,
             failed: Callable[[CallState], str], first_report: bool = True) -> str:
        """Twilio reports how an attempt ended: end the call, ring the next number, or ``failed``.
        ``first_report`` False: the same report again (a replay): answered alike, counted once."""
        contact = self.config.area(state.area).contacts.get(state.contact or "")
        if contact is None:   # only a forged URL: nothing was dialled from it
            return failed(replace(state, contact=None))
        attempt = min(state.attempt, len(contact.numbers) - 1)
        ended = outcome(status, bridged, contact.screen)
        log.debug("transfer to %s, number %d: %s", contact.key, attempt + 1, ended)
        if first_report:
            self.record("transfer_outcome", f"{self.label(contact, state.area)}:{ended}")
        if ended == "answered":
            return self.renderer.hangup()
        if attempt + 1 < len(contact.numbers):
            return self._dial_twiml(state.trying(attempt + 1), (), AUDIO_BASE.get(), self.caller_id())
        return failed(state)   # (the failed menu's state starts afresh: no attempt carried on)

    def _build_dial(self, after: CallState, lead: tuple[str, ...], _audio_base: str, caller_id: str | None) -> str:
        contact = self.config.area(after.area).contacts[after.contact]
        spoken = self.words(after, lead) if after.attempt == 0 else []   # the next number: just ringing
        return self.renderer.dial(spoken, contact.numbers[after.attempt], self.screen_url(contact, after.lang),
                                  action=after.url("transfer/done"), slow=after.slow, caller_id=caller_id)

    # -- the team's leg ------------------------------------------------------------
    def screen_url(self, contact: Contact, lang: str) -> str | None:
        if not contact.screen:
            return None
        return "/voice/screen?" + urlencode({"contact": contact.key, "lang": lang})

    def screen(self, args: Mapping[str, str]) -> str:
        """The whisper, for whoever answers: which line, which language, and the key to take the call."""
        lang = args.get("lang") if args.get("lang") in self.language_names else self.team_language.code
        contact = args.get("contact") if args.get("contact") in self.contact_keys else None
        return self._screen_twiml(lang, contact, AUDIO_BASE.get())

    def _build_screen(self, lang: str, contact: str | None, _audio_base: str) -> str:
        answer = "/voice/screen/answer?" + urlencode({"contact": contact or "", "lang": lang})
        whisper = Utterance(WHISPER, self.team_language, ACCEPT_KEY, self.language_names[lang])
        return self.renderer.screen([whisper], answer, self.config.transfer.screen_seconds,
                                    [Utterance(NOT_TAKEN, self.team_language)])

    @staticmethod
    def accepted(digits: str | None) -> bool:
        return digits == ACCEPT_KEY

    def screened(self, digits: str | None) -> str:
        """The person answering pressed ``digits``: the key joins the caller; anything else ends the leg."""
        if self.accepted(digits):
            return self.renderer.accept()
        return self.renderer.hangup([Utterance(NOT_TAKEN, self.team_language)])

    # -- the safety net ----------------------------------------------------------
    def rescue(self, language: Language, now: dt.datetime | None, area: str | None = None) -> str:
        """Apologise and put the caller through to whoever answers now in ``area`` (the out-of-hours
        service if even that cannot be worked out), screened like any transfer; then the numbers."""
        routing = self.config.area(area).routing
        try:
            contact = routing.route_for(now) if now else routing.out_of_hours
        except Exception:
            log.exception("routing failed in the safety net")
            contact = routing.out_of_hours
        return self.renderer.dial([Utterance("error.safety_net", language)], contact.numbers[0],
                                  self.screen_url(contact, language.code), action=None,
                                  afterwards=[self.renderer.said("goodbye.numbers", language, area)],
                                  caller_id=self.caller_id())

    def rescue_team_leg(self) -> str:
        """The safety net on the team's leg (the whisper): Twilio allows no <Dial> there ("TwiML
        documents executed in this manner are not allowed to contain the <Dial> verb",
        https://www.twilio.com/docs/voice/twiml/number), so that leg ends; the transfer counts as
        not taken and the next number, or what the caller can do next, follows."""
        return self.renderer.hangup([Utterance(NOT_TAKEN, self.team_language)])

    def fallback(self, language: Language, line_number: str | None = None) -> str:
        """For a TwiML Bin, served when the line itself cannot answer: it has no clock and no
        webhook to screen with, so it rings the out-of-hours service unscreened. With
        ``line_number`` (the Twilio number it serves) the team sees that number: a withheld caller's
        could not be passed on."""
        contact = self.config.routing.out_of_hours
        return self.renderer.dial([Utterance("error.safety_net", language)], contact.numbers[0], None,
                                  action=None, afterwards=[self.renderer.said("goodbye.numbers", language)],
                                  caller_id=self.config.transfer.caller_id or line_number)
