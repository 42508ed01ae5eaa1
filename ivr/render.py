"""Turns a document of the engine (ivr/callflow/turn.py) into TwiML.

The only module that builds XML, always with twilio's TwiML builder. The TwiML of a document
depends only on the document, the line's public address (``audio_base``: recordings are played
from absolute URLs) and which recordings are there now: it is built once and kept.

A document is built in two parts: its verbs (<Gather>, <Dial>, ...) with a ``<Said />`` where each
group of what it says goes, and the speech of each utterance (its <Say> or <Play>s), which the
builder makes once for what the line can say (Inventory.utterances) when the line starts (ivr/__init__.py).
ElementTree writes an element the same way wherever it stands, so the speech put in the place of
``<Said />`` is what the builder would have written there: every document of a walk of the line
is checked to be what ElementTree writes for its tree (tests/telephony/test_twilio_vocabulary.py).
"""
from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Iterable, Sequence

from twilio.twiml.voice_response import VoiceResponse

from . import pieces, vocabulary
from .callflow.turn import Accept, Dial, Document, Gather, Hangup, Screen
from .config import Language
from .recordings import Recordings
from .words import BREAK, Utterance, Wording

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
SAID = "Said"                 # where a group of utterances goes in a document's verbs
SAID_XML = f"<{SAID} />"      # as ElementTree writes it: replaced by the group's speech
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'   # what twilio's TwiML.to_xml writes first


def written(twiml) -> str:
    """The builder's tree as twilio's ``to_xml`` writes it, less the declaration, but written by
    ElementTree straight to text: to_xml writes UTF-8 bytes through an encoder and decodes them,
    the same characters at twice the cost."""
    return ET.tostring(twiml.xml(), encoding="unicode")


def said_the_same(utterance: Utterance, slow: bool, audio_base: str) -> tuple:
    """What makes the speech of an utterance: utterances of one version (Utterance.version) say the
    same words, as they play the same recordings, whichever area's call they are said in."""
    return utterance.version, utterance.language.code, utterance.key, utterance.language_name, slow, audio_base


class Renderer:
    def __init__(self, wording: Wording, recordings: Recordings, gather_seconds: int, first_language: Language,
                 utterances: Iterable[Utterance] = (), audio_base: str = ""):
        """``utterances``: what the line can say, whose speech is made now for ``audio_base`` (the
        line's public address, IVR_PUBLIC_URL), at normal speed: slower speech, which a caller
        asks for, is made when first asked for, so that each language adds little to the start."""
        self.wording = wording
        self.recordings = recordings
        self.gather_seconds = gather_seconds   # line.yaml input.timeout_seconds
        self.first_language = first_language
        self._built = functools.lru_cache(maxsize=8192)(self._build)
        # Speech not made at the start: slower, another address, an utterance no inventory lists
        # (the whisper's), or any after a recording is gone or back (Recordings.look).
        self._spoken = functools.lru_cache(maxsize=16384)(self._speech)
        self._made_generation = recordings.generation
        self._made = {said_the_same(utterance, False, audio_base): self._speech(utterance, False, audio_base,
                                                                              recordings.generation)
                      for utterance in utterances}

    def twiml(self, document: Document, audio_base: str = "") -> str:
        """``document`` as TwiML; recordings played from ``audio_base`` (empty: relative URLs)."""
        return self._built(document, audio_base, self.recordings.generation)

    def _build(self, document: Document, audio_base: str, _generation: int) -> str:
        # _generation is only part of the key: which recordings are there (Recordings.look).
        response = VoiceResponse()
        groups: list[str] = []   # the speech of each <Said /> in the verbs, in order
        if isinstance(document, Gather):
            self._gather(response, document, audio_base, groups)
        elif isinstance(document, Dial):
            self._dial(response, document, audio_base, groups)
        elif isinstance(document, Screen):
            self._screen(response, document, audio_base, groups)
        elif isinstance(document, Hangup):
            self._say(response, document.said, document.slow, audio_base, groups)
            response.hangup()
        elif not isinstance(document, Accept):   # (an empty answer: Twilio joins the two calls)
            raise TypeError(f"no TwiML for {type(document).__name__}")
        verbs = (XML_DECLARATION + written(response)).split(SAID_XML)
        return "".join(part + speech for part, speech in zip(verbs, groups)) + verbs[-1]

    def _gather(self, response: VoiceResponse, document: Gather, audio_base: str, groups: list[str]) -> None:
        """Speak while listening for one key (and speech); ``on_silence`` is fetched if none comes."""
        options = dict(action=document.action, method="POST", input="dtmf", num_digits=1,
                       timeout=self.gather_seconds,
                       finish_on_key="")   # "#" means "back" here, so nothing finishes input
        listening = document.listening
        if listening:
            options.update(input="dtmf speech", language=listening.language, speech_timeout="auto",
                           hints=", ".join(listening.hints))
        gather = response.gather(**options)
        self._say(gather, document.said, document.slow, audio_base, groups)
        response.redirect(document.on_silence, method="POST")

    def _dial(self, response: VoiceResponse, document: Dial, audio_base: str, groups: list[str]) -> None:
        """The caller hears a British ring until the call is joined, the whisper included (RING_TONE)."""
        self._say(response, document.said, document.slow, audio_base, groups)
        options = {"timeout": document.number.ring_seconds - TWILIO_ADDS_SECONDS, "answer_on_bridge": True,
                   "ring_tone": RING_TONE}
        if document.action:
            options.update(action=document.action, method="POST")
        if document.caller_id:
            options["caller_id"] = document.caller_id
        dial = response.dial(**options)
        screen = {"url": document.screen_url, "method": "POST"} if document.screen_url else {}
        dial.number(document.number.number, **screen)
        if document.afterwards:
            self._say(response, document.afterwards, document.slow, audio_base, groups)
            response.hangup()

    def _screen(self, response: VoiceResponse, document: Screen, audio_base: str, groups: list[str]) -> None:
        gather = response.gather(action=document.action, method="POST", input="dtmf", num_digits=1,
                                 timeout=document.timeout, finish_on_key="")
        self._say(gather, document.said, False, audio_base, groups)
        self._say(response, document.not_taken, False, audio_base, groups)
        response.hangup()

    # -- speech ---------------------------------------------------------------
    def _say(self, parent, utterances: Sequence[Utterance], slow: bool, audio_base: str, groups: list[str]) -> None:
        """A <Said /> in ``parent`` for the speech of ``utterances``, kept in ``groups``; none for no speech."""
        speech = "".join(self.speech(utterance, slow, audio_base) for utterance in utterances)
        if speech:
            groups.append(speech)
            parent.add_child(SAID)

    def speech(self, utterance: Utterance, slow: bool, audio_base: str) -> str:
        """The <Say> or <Play>s of ``utterance``, as TwiML: made at the start, or now."""
        generation = self.recordings.generation
        if generation == self._made_generation:
            made = self._made.get(said_the_same(utterance, slow, audio_base))
            if made is not None:
                return made
        return self._spoken(utterance, slow, audio_base, generation)

    def _speech(self, utterance: Utterance, slow: bool, audio_base: str, _generation: int) -> str:
        response = VoiceResponse()
        self._speak(response, utterance, slow, audio_base)
        if not response.verbs:
            return ""
        return written(response).removeprefix("<Response>").removesuffix("</Response>")

    def _speak(self, parent, utterance: Utterance, slow: bool, audio_base: str) -> None:
        """Recordings in the caller's language if there are (ivr/pieces.py), else speech in it. A language
        spoken from recordings only whose recording is gone while the line runs (Recordings.look):
        its prompt is spoken in the line's first language, unless its words are about the language
        itself (OWN_LANGUAGE_ONLY), which another language would make untrue: then it is not said."""
        language = utterance.language
        recorded = pieces.recorded(self.recordings, self.wording, utterance)
        if recorded:
            for recording in recorded:   # the sentence, or its segments and pieces (ivr/pieces.py)
                # slower speech: a recording's slow copy where it has one (a language no voice speaks);
                # else recordings keep their own pace
                parent.play(audio_base + (recording.slow_url if slow else recording.url))
            return
        if not language.speaks:
            if utterance.prompt in OWN_LANGUAGE_ONLY:
                return
            utterance = replace(utterance, language=self.first_language)
            language = utterance.language
        say = parent.say(voice=language.voice, language=language.say_language)
        target = say.prosody(rate=SLOWER) if slow else say
        digits = vocabulary.load().digits(language.voice)
        text = ""   # twilio's builder keeps only the last of two strings in a row, so join them first
        for part in self.wording.parts(utterance):
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
