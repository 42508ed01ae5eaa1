"""Turns what the line has decided to say and do into one TwiML document.

The only module that builds XML, always with twilio's TwiML builder.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

from twilio.twiml.voice_response import VoiceResponse

from .catalog import PLACEHOLDER, Catalog, placeholders
from .config import Area, Dialled, Language, LineConfig
from .context import AUDIO_BASE
from . import vocabulary
from .recordings import Recordings

KEY_NAMES = {"*": "key.star", "#": "key.hash"}
KEY_PLACEHOLDER = "key_"   # {key_back}: the key that goes back on every node
GROUP_PAUSE = "300ms"   # between the groups of a phone number, as a person reads them
SLOWER = "80%"          # the slower speech a caller can ask for (SSML prosody rate)
# "Twilio always adds a five-second timeout buffer to your <Dial>, so if you enter a timeout value
# of 10 seconds, you will see an actual timeout closer to 15 seconds"; "the minimum allowed value is
# five seconds" (https://www.twilio.com/docs/voice/twiml/dial). line.yaml's ring times are what the
# caller hears, so Twilio is asked for this much less.
TWILIO_ADDS_SECONDS = 5
# What the caller hears while a number rings and while whoever answers hears the whisper. The call
# was answered long before (the menus), so answerOnBridge no longer holds it ringing; but "If the
# answerOnBridge attribute is used on <Dial>, the current caller will continue to hear ringing while
# the TwiML document executes on the other end" (https://www.twilio.com/docs/voice/twiml/number),
# and ringTone sets that ringing: "If not specified, Twilio will play ringback or pass ringback from
# the carrier" (the <Dial> page, whose values include "uk"). So: a British ring, all the way through.
RING_TONE = "uk"


# Prompts whose words are about their own language ("Gaeilge: brúigh 4"): said in no other.
OWN_LANGUAGE_ONLY = ("language.choose",)
ANY_AREA = ".any_area"   # the twin of a prompt that says an area's number, while the area is not known
AREA_RECORDING = "@"     # prompt@area: the recording of a prompt that says that area's number


@dataclass(frozen=True)
class Utterance:
    prompt: str
    language: Language
    key: str | None = None       # fills {key}, and {choice} ("press 2")
    language_name: str | None = None   # fills {language}: the caller's language, in the whisper
    area: str | None = None      # whose numbers fill it (line.yaml areas); None: the line's own
    recording: str = ""          # the recording that says it, when not named after the prompt

    @property
    def recording_id(self) -> str:
        """The name of the recording that says it: the prompt's, or prompt@area for an area's number."""
        return self.recording or self.prompt


@dataclass(frozen=True)
class Listening:
    """Spoken choices a <Gather> also takes: in ``language`` (Twilio's code), helped by ``hints``."""
    language: str
    hints: tuple[str, ...]


@dataclass(frozen=True)
class Digits:
    digits: str


BREAK = object()


class Renderer:
    def __init__(self, config: LineConfig, catalog: Catalog, recordings: Recordings,
                 keys: Mapping[str, str] = MappingProxyType({})):
        self.config = config
        self.catalog = catalog
        self.recordings = recordings
        self.keys = keys   # {key_<kind>} placeholders: what every node's keys do (menu.yaml every_node)
        views = config.every_area()
        # Numbers that differ between the areas a call can be in: a prompt saying one is said per area.
        self.area_numbers = frozenset(name for name in config.numbers
                                      if len({view.numbers.get(name) for view in views}) > 1)

    def said(self, prompt: str, language: Language, area: str | None = None, key: str | None = None) -> Utterance:
        """``prompt`` as said in ``area``: its twin (ANY_AREA) where the area is not known and the
        prompt needs an area's number; recorded per area where the number differs by area."""
        view = self.config.area(area)
        if self.needs_twin(prompt, view):
            prompt = prompt + ANY_AREA
        recording = f"{prompt}{AREA_RECORDING}{view.key}" if self.area_numbers_in(prompt) and view.key else ""
        return Utterance(prompt, language, key, area=view.key, recording=recording)

    def area_numbers_in(self, prompt: str) -> set[str]:
        """The numbers that differ by area which ``prompt`` says."""
        source = self.catalog.source.get(prompt)
        return placeholders(source.text) & self.area_numbers if source else set()

    def needs_twin(self, prompt: str, view: Area) -> bool:
        """Whether ``prompt`` says an area's number that ``view`` does not have (the area is not known)."""
        return bool(self.area_numbers_in(prompt) - set(view.numbers))

    def gather(self, utterances: Iterable[Utterance], action: str, on_silence: str,
               listening: Listening | None = None, slow: bool = False) -> str:
        """Speak while listening for one key (and speech); ``on_silence`` is fetched if none comes."""
        response = VoiceResponse()
        options = dict(action=action, method="POST", input="dtmf", num_digits=1,
                       timeout=self.config.input.timeout_seconds,
                       finish_on_key="")   # "#" means "back" here, so nothing finishes input
        if listening:
            options.update(input="dtmf speech", language=listening.language, speech_timeout="auto",
                           hints=", ".join(listening.hints))
        gather = response.gather(**options)
        self._speak_all(gather, utterances, slow)
        response.redirect(on_silence, method="POST")
        return str(response)

    def dial(self, utterances: Iterable[Utterance], number: Dialled, screen_url: str | None,
             action: str | None, afterwards: Sequence[Utterance] = (), slow: bool = False,
             caller_id: str | None = None) -> str:
        """Speak, then put the caller through to ``number``.

        The caller hears a British ring until the call is joined, the whisper included (RING_TONE).
        With a ``screen_url``, whoever answers first hears its TwiML and must accept the call.
        With an ``action`` Twilio reports how the transfer went; without one (the
        safety net) the call carries on with ``afterwards`` and ends. ``caller_id``: the number the
        team sees, when not the caller's own (see Transfers.caller_id).
        """
        response = VoiceResponse()
        self._speak_all(response, utterances, slow)
        options = {"timeout": number.ring_seconds - TWILIO_ADDS_SECONDS, "answer_on_bridge": True,
                   "ring_tone": RING_TONE}
        if action:
            options.update(action=action, method="POST")
        if caller_id:
            options["caller_id"] = caller_id
        dial = response.dial(**options)
        dial.number(number.number, **({"url": screen_url, "method": "POST"} if screen_url else {}))
        if afterwards:
            self._speak_all(response, afterwards, slow)
            response.hangup()
        return str(response)

    def screen(self, utterances: Iterable[Utterance], action: str, timeout: int,
               not_taken: Iterable[Utterance]) -> str:
        """For the person answering a transfer: listen for one key while speaking; with none,
        say ``not_taken`` and hang up their leg (the caller is never joined to a voicemail)."""
        response = VoiceResponse()
        gather = response.gather(action=action, method="POST", input="dtmf", num_digits=1, timeout=timeout,
                                 finish_on_key="")
        self._speak_all(gather, utterances, False)
        self._speak_all(response, not_taken, False)
        response.hangup()
        return str(response)

    @staticmethod
    def accept() -> str:
        """An empty answer to the screening key: Twilio then joins the two calls."""
        return str(VoiceResponse())

    def hangup(self, utterances: Iterable[Utterance] = (), slow: bool = False) -> str:
        response = VoiceResponse()
        self._speak_all(response, utterances, slow)
        response.hangup()
        return str(response)

    def plain(self, utterance: Utterance) -> str:
        """The words of an utterance as plain text: what a recording of it must say."""
        words = []
        for part in self._parts(utterance):
            if isinstance(part, Digits):
                words.append(" ".join(part.digits))
            else:
                words.append(", " if part is BREAK else part)
        return " ".join("".join(words).split())

    def text_message(self, prompt: str, language: Language, area: str | None = None) -> str:
        """A prompt written to be read: numbers as published (the caller's area's), web addresses
        in full, keys as digits."""
        said = self.said(prompt, language, area)
        values = {**self.config.area(area).numbers, **self.config.links,
                  **{f"{KEY_PLACEHOLDER}{kind}": key for kind, key in self.keys.items()}}
        text = self.catalog.text(said.prompt, language.code)
        return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)

    # -- speech ---------------------------------------------------------------
    def _speak_all(self, parent, utterances: Iterable[Utterance], slow: bool) -> None:
        for utterance in utterances:
            self._speak(parent, utterance, slow)

    def _speak(self, parent, utterance: Utterance, slow: bool) -> None:
        """A recording in the caller's language if there is one, else speech in it. A language
        spoken from recordings only whose recording is gone while the line runs (Recordings.look):
        its prompt is spoken in the line's first language, unless its words are about the language
        itself (OWN_LANGUAGE_ONLY), which another language would make untrue: then it is not said."""
        language = utterance.language
        recording = self.recordings.get(language.code, utterance.recording_id)
        if recording is not None:
            parent.play(AUDIO_BASE.get() + recording.url)   # recordings keep their own pace
            return
        if not language.speaks:
            if utterance.prompt in OWN_LANGUAGE_ONLY:
                return
            utterance = replace(utterance, language=self.config.languages[0])
            language = utterance.language
        say = parent.say(voice=language.voice, language=language.say_language)
        target = say.prosody(rate=SLOWER) if slow else say
        digits = vocabulary.load().digits(language.voice)
        text = ""   # twilio's builder keeps only the last of two strings in a row, so join them first
        for part in self._parts(utterance):
            if isinstance(part, str):
                text += part
                continue
            if text:
                target.append(text)
                text = ""
            if part is BREAK:
                target.break_(time=GROUP_PAUSE)
            else:
                target.say_as(part.digits, interpret_as=digits)
        if text:
            target.append(text)

    def _parts(self, utterance: Utterance, prompt: str | None = None) -> list:
        """The prompt's text, with each placeholder replaced by words or digits."""
        text = self.catalog.text(prompt or utterance.prompt, utterance.language.code)
        parts, position = [], 0
        for match in PLACEHOLDER.finditer(text):
            parts.append(text[position:match.start()])
            parts.extend(self._fill(match.group(1), utterance))
            position = match.end()
        parts.append(text[position:])
        return parts

    def _fill(self, name: str, utterance: Utterance) -> list:
        if name == "choice":
            return self._parts(utterance, "choice.press")
        if name == "language":
            return [utterance.language_name or ""]
        if name == "key" or name.startswith(KEY_PLACEHOLDER):
            key = utterance.key if name == "key" else self.keys[name.removeprefix(KEY_PLACEHOLDER)]
            if key in KEY_NAMES:
                return [self.catalog.text(KEY_NAMES[key], utterance.language.code)]
            return [Digits(key or "")]
        parts = []
        for group in self.config.area(utterance.area).numbers[name].split():
            parts += [BREAK, Digits(group)] if parts else [Digits(group)]
        return parts
