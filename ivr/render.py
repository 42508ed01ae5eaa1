"""Turns a document of the engine (ivr/callflow/turn.py) into TwiML.

The only module that builds XML, always with twilio's TwiML builder. The TwiML of a document
depends only on the document, the line's public address (``audio_base``: recordings are played
from absolute URLs) and which recordings are there now: it is built once and kept.
"""
from __future__ import annotations

import functools
from dataclasses import replace
from typing import Iterable

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


class Renderer:
    def __init__(self, wording: Wording, recordings: Recordings, gather_seconds: int, first_language: Language):
        self.wording = wording
        self.recordings = recordings
        self.gather_seconds = gather_seconds   # line.yaml input.timeout_seconds
        self.first_language = first_language
        self._built = functools.lru_cache(maxsize=8192)(self._build)

    def twiml(self, document: Document, audio_base: str = "") -> str:
        """``document`` as TwiML; recordings played from ``audio_base`` (empty: relative URLs)."""
        return self._built(document, audio_base, self.recordings.generation)

    def _build(self, document: Document, audio_base: str, _generation: int) -> str:
        # _generation is only part of the key: which recordings are there (Recordings.look).
        response = VoiceResponse()
        if isinstance(document, Gather):
            self._gather(response, document, audio_base)
        elif isinstance(document, Dial):
            self._dial(response, document, audio_base)
        elif isinstance(document, Screen):
            self._screen(response, document, audio_base)
        elif isinstance(document, Hangup):
            self._speak_all(response, document.said, document.slow, audio_base)
            response.hangup()
        elif not isinstance(document, Accept):   # (an empty answer: Twilio joins the two calls)
            raise TypeError(f"no TwiML for {type(document).__name__}")
        return str(response)

    def _gather(self, response: VoiceResponse, document: Gather, audio_base: str) -> None:
        """Speak while listening for one key (and speech); ``on_silence`` is fetched if none comes."""
        options = dict(action=document.action, method="POST", input="dtmf", num_digits=1,
                       timeout=self.gather_seconds,
                       finish_on_key="")   # "#" means "back" here, so nothing finishes input
        listening = document.listening
        if listening:
            options.update(input="dtmf speech", language=listening.language, speech_timeout="auto",
                           hints=", ".join(listening.hints))
        gather = response.gather(**options)
        self._speak_all(gather, document.said, document.slow, audio_base)
        response.redirect(document.on_silence, method="POST")

    def _dial(self, response: VoiceResponse, document: Dial, audio_base: str) -> None:
        """The caller hears a British ring until the call is joined, the whisper included (RING_TONE)."""
        self._speak_all(response, document.said, document.slow, audio_base)
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
            self._speak_all(response, document.afterwards, document.slow, audio_base)
            response.hangup()

    def _screen(self, response: VoiceResponse, document: Screen, audio_base: str) -> None:
        gather = response.gather(action=document.action, method="POST", input="dtmf", num_digits=1,
                                 timeout=document.timeout, finish_on_key="")
        self._speak_all(gather, document.said, False, audio_base)
        self._speak_all(response, document.not_taken, False, audio_base)
        response.hangup()

    # -- speech ---------------------------------------------------------------
    def _speak_all(self, parent, utterances: Iterable[Utterance], slow: bool, audio_base: str) -> None:
        for utterance in utterances:
            self._speak(parent, utterance, slow, audio_base)

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
