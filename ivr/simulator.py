"""A call played through the real webhooks in-process, as Twilio would play it.

It posts signed requests, reads the TwiML that comes back and follows it: says
each <Say> (as text), waits at each <Gather> for a key, follows actions and
redirects, and reports each <Dial> and its outcome. Used by the `call` command
and the tests, so both walk exactly what a caller would hear.
"""
from __future__ import annotations

import re
import secrets
import shlex
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin

from twilio.request_validator import RequestValidator

BASE_URL = "https://line.invalid"   # the test client never leaves the process
SILENCE = None
KEYS = set("0123456789*#")
AUDIO_URL = re.compile(r"/audio/(?P<language>[^/]+)/(?P<prompt>[^/]+)\.wav$")


@dataclass
class Event:
    kind: str          # "say", "play", "listen", "press", "silence", "dial", "hangup", "end"
    text: str = ""
    language: str = ""


@dataclass
class Transcript:
    events: list[Event] = field(default_factory=list)

    def said(self) -> str:
        return "\n".join(e.text for e in self.events if e.kind == "say")

    def dialled(self) -> list[str]:
        return [e.text for e in self.events if e.kind == "dial"]

    def lines(self) -> list[str]:
        shown = {
            "play": lambda e: f"  [{e.language}, recording] {e.text}",
            "press": lambda e: f"> pressed {e.text}",
            "say": lambda e: f"  [{e.language}] {e.text}",
            "speak": lambda e: f"> said \"{e.text}\"",
            "silence": lambda e: "> (silence)",
            "dial": lambda e: f"  ~ putting the caller through to {e.text}",
            "hangup": lambda e: "  ~ the line hangs up",
            "end": lambda e: f"  ~ {e.text}",
        }
        return [shown[e.kind](e) for e in self.events if e.kind in shown]


def spoken_text(element: ET.Element) -> str:
    """What a <Say> sounds like, with number groups kept apart."""
    parts = [element.text or ""]
    for child in element:
        parts.append(spoken_text(child))
        parts.append(" " if child.tag == "break" else "")
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


class Caller:
    """One simulated call. ``choose`` answers each <Gather>: a key, SILENCE, or "hangup"."""

    def __init__(self, client, auth_token: str, caller_number: str = "+447700900123",
                 called_number: str = "+442890000000", recording_text=None):
        self.client = client
        self.recording_text = recording_text or (lambda language, prompt: prompt)
        self.validator = RequestValidator(auth_token)
        self.call_params = {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": caller_number,
            "To": called_number,
            "Direction": "inbound",
        }

    def post(self, url: str, params: dict[str, str]):
        absolute = urljoin(BASE_URL + "/", url)
        form = {**self.call_params, **params}
        signature = self.validator.compute_signature(absolute, form)
        return self.client.post(absolute, data=form, headers={"X-Twilio-Signature": signature})

    def run(self, choose: Callable[[Transcript], str | None], dial_outcome: str = "completed",
            max_requests: int = 200, on_event: Callable[[Event], None] | None = None) -> Transcript:
        transcript = Transcript()

        def emit(event: Event) -> None:
            transcript.events.append(event)
            if on_event:
                on_event(event)

        url, params = "/voice", {}
        for _ in range(max_requests):
            response = self.post(url, params)
            if response.status_code != 200:
                emit(Event("end", f"the webhook answered HTTP {response.status_code}"))
                return transcript
            url = None
            for verb in ET.fromstring(response.data):
                if verb.tag == "Gather":
                    self._speak(verb, emit)
                    emit(Event("listen"))
                    choice = choose(transcript)
                    if choice == "hangup":
                        emit(Event("end", "the caller hangs up"))
                        return transcript
                    if choice is SILENCE:
                        emit(Event("silence"))
                        continue       # Twilio goes on to the verb after <Gather>
                    if choice in KEYS or "speech" not in verb.get("input", ""):
                        emit(Event("press", choice))
                        url, params = verb.get("action"), {"Digits": choice}
                    else:   # words, where the menu listens: Twilio sends what it recognised
                        emit(Event("speak", choice))
                        url, params = verb.get("action"), {"SpeechResult": choice, "Confidence": "0.9"}
                    break
                if verb.tag == "Redirect":
                    url, params = verb.text, {}
                    break
                if verb.tag == "Dial":
                    emit(Event("dial", " ".join(n.text for n in verb.iter("Number"))))
                    emit(Event("end", f"the transfer: {dial_outcome}"))
                    if verb.get("action"):
                        url, params = verb.get("action"), {"DialCallStatus": dial_outcome}
                        break
                    if dial_outcome == "completed":
                        return transcript
                elif verb.tag == "Hangup":
                    emit(Event("hangup"))
                    return transcript
                else:
                    self._speak_one(verb, emit)
            if url is None:
                emit(Event("end", "the TwiML ends, so the call ends"))
                return transcript
        emit(Event("end", f"stopped after {max_requests} requests"))
        return transcript

    def _speak_one(self, verb: ET.Element, emit) -> None:
        if verb.tag == "Say":
            emit(Event("say", spoken_text(verb), verb.get("language", "")))
        elif verb.tag == "Play":
            found = AUDIO_URL.search(verb.text or "")
            if found:
                emit(Event("play", self.recording_text(found["language"], found["prompt"]), found["language"]))
            else:
                emit(Event("play", verb.text or ""))

    def _speak(self, gather: ET.Element, emit) -> None:
        for verb in gather:
            self._speak_one(verb, emit)


def scripted(keys: str) -> Callable[[Transcript], str | None]:
    """Answers Gathers from a script, then hangs up.

    "12#0": each character a key, "_" silence. With spaces, each word is one answer
    and quoted words are spoken: "1 3 'photos' _ 0".
    """
    queue = shlex.split(keys) if any(c.isspace() or c in "'\"" for c in keys) else list(keys)

    def choose(_transcript: Transcript) -> str | None:
        if not queue:
            return "hangup"
        key = queue.pop(0)
        return SILENCE if key == "_" else key

    return choose
