"""A call played through the real webhooks, in-process or over HTTP, as Twilio would play it.

It posts signed requests, reads the TwiML that comes back and follows it: says
each <Say> (as text), plays each <Play>, waits at each <Gather> for a key or
words, follows actions and redirects, and reports each <Dial> and its outcome.
It is as strict as Twilio: a document outside Twilio's vocabulary (ivr/vocabulary.py) is refused
as Twilio refuses it (the caller's side goes to the fallback URL; the team's leg ends), and it can
leave out what Twilio may leave out (DialBridged) and call as a withheld caller does.
The `call` command, the browser console and the tests all use it, so all of
them walk exactly what a caller would hear. A simulated call is marked as such:
it is not counted in the usage figures, sends no text and dials no one.
"""
from __future__ import annotations

import re
import secrets
import shlex
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode, urljoin

from twilio.request_validator import RequestValidator

from . import paths, vocabulary
from .callflow.graph import KEYS   # a phone's keypad
from .context import SIMULATED_AREA, SIMULATED_NOW, SIMULATED_TEXTS, SIMULATION
from .sms import segments

BASE_URL = "https://line.invalid"   # the test client never leaves the process
SILENCE = None
HANG_UP = "hangup"
AUDIO_URL = re.compile(r"/audio/(?P<language>[^/]+)/(?P<prompt>[^/]+)\.wav$")
MAX_HOPS = 20   # redirects followed within one step before giving up
ANSWERED_HTTP = "the webhook answered HTTP {}"   # why a step ends on a status other than 200
# How the team's side of a transfer ends, as the simulation plays it:
#   accepts    someone answers, hears the whisper and presses 1: the two are joined
#   voicemail  a voicemail answers and presses nothing (on an unscreened contact, it takes the call)
#   busy, no-answer, failed: Twilio's own DialCallStatus
DIAL_OUTCOMES = ("accepts", "voicemail", "busy", "no-answer", "failed")
# "If Twilio is unable to retrieve or execute TwiML from your web server, a request is immediately
# made to the number's Fallback URL" (https://www.twilio.com/docs/usage/security/availability-reliability);
# "If the <Say> nested inside of a <Gather> verb provides an invalid voice, Twilio will treat this
# as a failure and hit the fallback URL" (TwiML changelog, 2024-07-22). The simulation's fallback is
# the line's own; a council's may be a TwiML Bin with the same words (`flask --app ivr fallback-twiml`).
CALLER = "+447700900123"   # a UK mobile of Ofcom's drama range: nobody's number
# A withheld caller's From: "If a caller ID is withheld or otherwise unavailable, you may receive a
# string that contains anonymous, unknown, or other descriptions" (https://www.twilio.com/docs/voice/twiml).
WITHHELD = "anonymous"
REFUSED_ON_TEAM_LEG = "Twilio refused the team leg's TwiML"


@dataclass
class Event:
    kind: str          # "say", "play", "press", "speak", "silence", "dial", "team", "hangup", "end"
    text: str = ""
    language: str = ""
    url: str = ""      # a recording's address, for "play"
    slow: bool = False

    def line(self) -> str | None:
        shown = {
            "say": lambda: f"  [{self.language}{', slower' if self.slow else ''}] {self.text}",
            "play": lambda: f"  [{self.language}, recording] {self.text}",
            "press": lambda: f"> pressed {self.text}",
            "speak": lambda: f"> said \"{self.text}\"",
            "silence": lambda: "> (silence)",
            "dial": lambda: f"  ~ putting the caller through to {self.text}",
            "team": lambda: f"  [to the team, {self.language}] {self.text}",
            "text": lambda: f"  ~ the text message, {self.language}:\n" + "\n".join(
                f"    | {line}" for line in self.text.splitlines()),
            "hangup": lambda: "  ~ the line hangs up",
            "end": lambda: f"  ~ {self.text}",
        }
        return shown[self.kind]() if self.kind in shown else None


@dataclass
class Wait:
    """What the call waits for after a step: a choice, a transfer's outcome, or nothing (ended)."""
    kind: str                       # "gather", "dial" or "end"
    action: str | None = None       # where the choice or the outcome goes
    on_silence: str | None = None   # for a gather: where silence goes
    speech: bool = False            # for a gather: whether words are heard
    why: str = ""                   # for "end"
    number: str = ""                # for "dial": the number rung
    screen: str | None = None       # for "dial": the whisper's address, if the number is screened


@dataclass
class Step:
    events: list[Event]
    wait: Wait


@dataclass
class TeamLeg:
    """The team's side of one transfer: what it heard, its CallSid, and how it ended for Twilio."""
    events: list[Event]
    sid: str
    outcome: str


@dataclass
class Transcript:
    events: list[Event] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [line for e in self.events if (line := e.line()) is not None]


def spoken_text(element: ET.Element) -> str:
    """What a <Say> sounds like, with number groups kept apart."""
    parts = [element.text or ""]
    for child in element:
        parts.append(spoken_text(child))
        parts.append(" " if child.tag == "break" else "")
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


@dataclass
class Answer:
    status_code: int
    data: bytes


class OverHttp:
    """Posts to a running line over HTTP, as Twilio does: the form urlencoded, the signature in a header.
    Answers like a Flask test client (``status_code``, ``data``), so a Caller can use either."""

    def __init__(self, timeout: float = 15.0):
        self.timeout = timeout

    def post(self, url: str, data: dict[str, str], headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(url, data=urlencode(data).encode(), method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", **headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read())


class Caller:
    """One simulated call through a Flask test client, or through ``OverHttp`` to ``base_url``."""

    def __init__(self, client, auth_token: str | None, caller_number: str = CALLER,
                 called_number: str = "+442890000000", recording_text=None, now=None, why=None,
                 base_url: str = BASE_URL):
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.why = why   # number -> why the line dials it now (the routing's reason), for the transcript
        self.area: str | None = None   # the area the call comes in from, as if on that area's own number
        self.texts: list[str] = []
        self.validator = RequestValidator(auth_token or "")
        self.recording_text = recording_text or (lambda language, prompt: prompt)
        self.now = now
        self.call_params = {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": caller_number,
            "To": called_number,
            "Direction": "inbound",
        }

    def post(self, url: str, params: dict[str, str], leg: dict[str, str] | None = None):
        absolute = urljoin(self.base_url + "/", url)
        form = {**self.call_params, **(leg or {}), **params}
        signature = self.validator.compute_signature(absolute, form)
        simulation, moment, texts = SIMULATION.set(True), SIMULATED_NOW.set(self.now), SIMULATED_TEXTS.set(self.texts)
        area = SIMULATED_AREA.set(self.area)
        try:
            return self.client.post(absolute, data=form, headers={"X-Twilio-Signature": signature})
        finally:
            SIMULATION.reset(simulation)
            SIMULATED_NOW.reset(moment)
            SIMULATED_AREA.reset(area)
            SIMULATED_TEXTS.reset(texts)

    def step(self, url: str, params: dict[str, str], leg: dict[str, str] | None = None) -> Step:
        """Post to ``url`` and play what comes back until the call waits for something.
        ``leg``: the parameters of another leg than the caller's (the team's, for the whisper)."""
        events: list[Event] = []
        for _ in range(MAX_HOPS):
            sent = len(self.texts)
            response = self.post(url, params, leg)
            for body in self.texts[sent:]:
                encoding, count = segments(body)
                events.append(Event("text", body, f"{count} segment{'s' if count > 1 else ''}, {encoding}"))
            if response.status_code != 200:
                return Step(events, Wait("end", why=ANSWERED_HTTP.format(response.status_code)))
            refused = vocabulary.load().check(response.data, "team" if leg else "caller")
            if refused and leg:
                # "TwiML documents that execute on the called party's end ... cannot issue a new
                # Dial" (Twilio error 13201): that leg ends, never joined to the caller.
                return Step(events, Wait("end", why=f"{REFUSED_ON_TEAM_LEG} ({refused[0]}): that leg ends"))
            if refused and url == paths.FALLBACK:
                # "For an error retrieving a Voice Request URL, an error is logged and a pre-recorded
                # message is played back to the caller indicating that an error has occurred" (Twilio's blog,
                # "A hidden gem: fallback URLs"): the fallback failing too leaves the caller nothing else.
                events.append(Event("end", f"Twilio refuses the fallback's TwiML too ({refused[0]}): the caller "
                                           "hears Twilio's own error message"))
                return Step(events, Wait("end", why="Twilio ends the call after an application error"))
            if refused:
                events.append(Event("end", f"Twilio refuses this TwiML ({refused[0]}): the call goes to the "
                                           "fallback URL"))
                url, params = paths.FALLBACK, {"ErrorUrl": urljoin(self.base_url + "/", url)}
                continue
            verbs = list(ET.fromstring(response.data))
            next_url = None
            for index, verb in enumerate(verbs):
                if verb.tag == "Gather":
                    events += [e for child in verb if (e := self._speak(child))]
                    after = verbs[index + 1] if index + 1 < len(verbs) else None
                    on_silence = after.text if after is not None and after.tag == "Redirect" else None
                    return Step(events, Wait("gather", verb.get("action"), on_silence,
                                             "speech" in verb.get("input", "")))
                if verb.tag == "Redirect":
                    next_url = verb.text
                    break
                if verb.tag == "Dial":
                    number = verb.find("Number")
                    events.append(Event("dial", number.text + (f" ({self.why(number.text)})" if self.why else "")))
                    if verb.get("action"):
                        return Step(events, Wait("dial", verb.get("action"), number=number.text,
                                                 screen=number.get("url")))
                    events.append(Event("end", "the transfer ends; the call goes on"))
                elif verb.tag == "Hangup":
                    events.append(Event("hangup"))
                    return Step(events, Wait("end", why="the line hung up"))
                elif (event := self._speak(verb)) is not None:
                    events.append(event)
            if next_url is None:
                return Step(events, Wait("end", why="the TwiML ends, so the call ends"))
            url, params = next_url, {}
        return Step(events, Wait("end", why=f"stopped after {MAX_HOPS} redirects"))

    @staticmethod
    def answer(wait: Wait, choice: str | None) -> tuple[Event, str | None, dict[str, str]]:
        """What the caller does at a gather: the event, and where it is posted (None: nowhere)."""
        if choice is SILENCE:
            return Event("silence"), wait.on_silence, {}
        if choice in KEYS or not wait.speech:
            return Event("press", choice), wait.action, {"Digits": choice}
        return Event("speak", choice), wait.action, {"SpeechResult": choice, "Confidence": "0.9"}

    def run(self, choose: Callable[[Transcript], str | None], dial_outcome: str = "accepts",
            max_steps: int = 200, on_event: Callable[[Event], None] | None = None,
            dial_bridged: bool = True) -> Transcript:
        """Play a whole call. ``dial_outcome``: how each transfer ends, or several separated by
        commas for the numbers rung in turn ("busy,accepts"); the last one repeats.
        ``dial_bridged`` False: Twilio leaves DialBridged out of its reports (see dial_result)."""
        transcript = Transcript()
        outcomes, attempts = dial_outcome.split(","), 0

        def emit(event: Event) -> None:
            transcript.events.append(event)
            if on_event:
                on_event(event)

        url, params = paths.CALL, {}
        for _ in range(max_steps):
            step = self.step(url, params)
            for event in step.events:
                emit(event)
            wait = step.wait
            if wait.kind == "end":
                if wait.why != "the line hung up":
                    emit(Event("end", wait.why))
                return transcript
            if wait.kind == "dial":
                outcome = outcomes[min(attempts, len(outcomes) - 1)]
                attempts += 1
                leg = self.team_leg(wait, outcome)
                for event in leg.events:
                    emit(event)
                url, params = wait.action, self.dial_result(wait, leg.outcome, leg.sid, dial_bridged)
                continue
            choice = choose(transcript)
            if choice == HANG_UP:
                emit(Event("end", "the caller hangs up"))
                return transcript
            event, url, params = self.answer(wait, choice)
            emit(event)
            if url is None:
                emit(Event("end", "nothing follows the silence, so the call ends"))
                return transcript
        emit(Event("end", f"stopped after {max_steps} steps"))
        return transcript

    def team_side(self, wait: Wait, outcome: str) -> list[Event]:
        return self.team_leg(wait, outcome).events

    def team_leg(self, wait: Wait, outcome: str) -> "TeamLeg":
        """The team's leg of a transfer, as Twilio would play it: whoever answers hears the whisper
        (a signed request of its own: its own CallSid, To the team's number) and accepts or not."""
        sid = "CA" + secrets.token_hex(16)
        if outcome not in ("accepts", "voicemail"):
            return TeamLeg([Event("end", f"the transfer: {outcome}")], sid, outcome)
        if not wait.screen:
            taken = "a person answers" if outcome == "accepts" else "the team's voicemail takes the call"
            return TeamLeg([Event("end", f"the transfer: {taken} (this contact is not screened)")], sid, outcome)
        leg = {"CallSid": sid, "ParentCallSid": self.call_params["CallSid"],
               "To": wait.number, "From": self.call_params["To"], "Direction": "outbound-dial"}
        step = self.step(wait.screen, {}, leg)
        events = [Event("team", e.text, e.language) for e in step.events if e.kind in ("say", "play")]
        if step.wait.why.startswith(REFUSED_ON_TEAM_LEG):
            # "In case of hang up during screening, DialCallStatus will be set to completed" (TwiML
            # changelog, 2020-12-09): as a voicemail that pressed nothing, never joined.
            return TeamLeg(events + [Event("end", step.wait.why)], sid, "voicemail")
        if outcome == "accepts" and step.wait.kind == "gather":
            accepted = self.step(step.wait.action, {"Digits": "1"}, leg)
            if accepted.wait.why.startswith(REFUSED_ON_TEAM_LEG):
                return TeamLeg(events + [Event("end", accepted.wait.why)], sid, "voicemail")
            events.append(Event("end", "the transfer: the team presses 1 and the caller is put through"
                                if accepted.wait.why.startswith("the TwiML ends") else "the transfer: not joined"))
        elif step.wait.kind == "gather" and step.wait.on_silence is None:
            # no key: Twilio plays what follows the <Gather> to the team, then their leg ends
            after = self._after_gather(wait.screen, leg)
            events += [Event("team", e.text, e.language) for e in after if e.kind in ("say", "play")]
            events.append(Event("end", "the transfer: the team's voicemail answers, presses nothing, and its "
                                       "leg ends; the caller is not left on it"))
        return TeamLeg(events, sid, outcome)

    @staticmethod
    def dial_result(wait: Wait, outcome: str, leg_sid: str = "", bridged_reported: bool = True) -> dict[str, str]:
        """What Twilio posts to the <Dial> action for this outcome (https://www.twilio.com/docs/voice/twiml/dial:
        DialCallStatus, DialCallSid, DialBridged). ``bridged_reported`` False: DialBridged left out;
        it came with the TwiML changelog of 2020-12-09, one version of whose entry scopes it to some
        accounts."""
        if outcome == "accepts" or (outcome == "voicemail" and not wait.screen):
            result = {"DialCallStatus": "completed", "DialBridged": "true"}
        elif outcome == "voicemail":
            result = {"DialCallStatus": "completed", "DialBridged": "false"}
        else:
            result = {"DialCallStatus": outcome, "DialBridged": "false"}
        if leg_sid:
            result["DialCallSid"] = leg_sid
        if not bridged_reported:
            del result["DialBridged"]
        return result

    def _after_gather(self, url: str, leg: dict[str, str]) -> list[Event]:
        response = self.post(url, {}, leg)
        verbs = list(ET.fromstring(response.data))
        index = next(i for i, verb in enumerate(verbs) if verb.tag == "Gather")
        return [e for verb in verbs[index + 1:] if (e := self._speak(verb))]

    def _speak(self, verb: ET.Element) -> Event | None:
        if verb.tag == "Say":
            return Event("say", spoken_text(verb), verb.get("language", ""),
                         slow=any(p.get("rate") for p in verb.iter("prosody")))
        if verb.tag == "Play":
            found = AUDIO_URL.search(verb.text or "")
            if found:
                return Event("play", self.recording_text(found["language"], found["prompt"]), found["language"],
                             url=verb.text)
            return Event("play", verb.text or "", url=verb.text or "")
        return None


def scripted(keys: str) -> Callable[[Transcript], str | None]:
    """Answers Gathers from a script, then hangs up.

    "12#0": each character a key, "_" silence. With spaces, each word is one answer
    and quoted words are spoken: "1 3 'photos' _ 0".
    """
    queue = shlex.split(keys) if any(c.isspace() or c in "'\"" for c in keys) else list(keys)

    def choose(_transcript: Transcript) -> str | None:
        if not queue:
            return HANG_UP
        key = queue.pop(0)
        return SILENCE if key == "_" else key

    return choose
