"""What Twilio accepts: voices and the TwiML documents the line answers with, checked against
ivr/twilio_vocabulary.json (Twilio's generated TwiML definitions, narrowed by the voices its
Text-to-Speech page lists; `make twilio-vocabulary` makes it again).

Used at start-up (a voice Twilio no longer offers stops the start), by `check`, by the tests that
walk every document the line can produce, and by the call simulator, which treats a document as
Twilio would (an invalid one sends the call to the fallback). Rules the generated definitions
cannot hold come from Twilio's documentation, each with its source beside it.
"""
from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

VOCABULARY = Path(__file__).resolve().parent / "twilio_vocabulary.json"

# The team's leg of a transfer (<Number url>): "You can use this TwiML to privately <Play> or
# <Say> information to the called party. You could also provide a chance to decline the phone call
# using <Gather> and <Hangup>. The url attribute does not support any other TwiML verbs." and
# "TwiML documents executed in this manner are not allowed to contain the <Dial> verb."
# (https://www.twilio.com/docs/voice/twiml/number; error 13201, "Cannot Dial out from a Dial Call Segment")
TEAM_LEG_VERBS = frozenset({"Play", "Say", "Gather", "Hangup"})
# <Dial timeout>: "the minimum allowed value is five seconds, and the maximum value is 600 seconds"
# (https://www.twilio.com/docs/voice/twiml/dial)
DIAL_TIMEOUT = (5, 600)
# <Gather hints>: "up to 500 entries ... Each entry can up to 100 characters in length"
# (https://www.twilio.com/docs/voice/twiml/gather)
HINTS = (500, 100)
# <Gather finishOnKey>: "0-9, #, *, and '' (the empty string)" (the same page)
FINISH_KEYS = frozenset("0123456789#*") | {""}
# <Gather speechTimeout>: "positive integer or auto" (the same page)
SPEECH_TIMEOUT = re.compile(r"auto|[1-9][0-9]*")
# Methods of every URL attribute: "GET, POST" (<Gather>, <Dial>, <Number>, <Redirect> pages)
METHODS = frozenset({"GET", "POST"})
# SSML values (Twilio passes SSML to the provider: https://www.twilio.com/docs/voice/twiml/say/text-speech):
# <prosody rate> "x-slow, slow, medium, fast, x-fast, n%" (the generated definitions' own comment),
# Polly's range 20% to 200% (https://docs.aws.amazon.com/polly/latest/dg/prosody-tag.html);
# <break time> "[number]s, [number]ms" (the generated definitions).
PROSODY_RATE = re.compile(r"x-slow|slow|medium|fast|x-fast|([0-9]{1,3})%")
BREAK_TIME = re.compile(r"[0-9]+(\.[0-9]+)?(s|ms)")
# "Amazon Polly: <Say> can process no more than 3,000 characters excluding SSML"; "Google: no more
# than 5,000 characters, including SSML" (the Text-to-Speech page, "<Say> limitations")
SAY_LIMITS = {"Polly": ("text", 3000), "Google": ("xml", 5000)}


@dataclass(frozen=True)
class Voice:
    name: str
    language: str
    provider: str
    status: str                 # "listed" or "withdrawn"
    type: str = ""              # Standard, Neural, Generative
    replacement: str = ""       # for a withdrawn voice: a listed one of the same language
    source: str = ""

    @property
    def neural(self) -> bool:
        return self.type in ("Neural", "Generative")


class Vocabulary:
    def __init__(self, data: Mapping):
        self.data = data
        self.elements: Mapping[str, Mapping] = data["elements"]
        self.enums: Mapping[str, frozenset[str]] = {name: frozenset(values) for name, values in data["enums"].items()}
        self.voices = {name: Voice(name, **{k: v for k, v in about.items() if k != "gender"})
                       for name, about in data["voices"].items()}
        self.ssml: Mapping[str, Mapping] = data["ssml"]
        # The Text-to-Speech page's languages count as <Say> languages even where the generated
        # SayLanguage list lacks them (it has no lt-LT, whose one voice the page lists).
        self.say_languages = self.enums["SayLanguage"] | {v.language for v in self.voices.values()}
        self.gather_languages = self.enums["GatherLanguage"]
        self._ssml_classes = frozenset(cls for cls in self.elements if cls.startswith("Ssml"))

    # -- voices ---------------------------------------------------------------------
    def listed(self, language: str | None = None) -> list[Voice]:
        return [v for v in self.voices.values() if v.status == "listed" and language in (None, v.language)]

    def voice(self, name: str) -> Voice | None:
        return self.voices.get(name)

    def voice_problem(self, name: str, say_language: str | None, code: str) -> str | None:
        """Why ``name`` cannot speak the line's language ``code`` (said with ``say_language``), with a
        listed voice to use instead; None when it can."""
        instead = self.suggestion(code)
        use = f"; use {instead}" if instead else "; no voice Twilio lists speaks it: give it recordings (voice: null)"
        found = self.voices.get(name)
        if found is None:
            known = "in Twilio's generated definitions" if name in self.enums["SayVoice"] else "a Twilio voice"
            if name in self.enums["SayVoice"]:
                return (f"{name} is {known} but not among the voices of Twilio's Text-to-Speech page recorded in "
                        f"ivr/twilio_voices.yaml (copy its language's rows there){use}")
            return f"{name!r} is not {known}{use}"
        if found.status == "withdrawn":
            use = f"; use {found.replacement}" if primary(found.language) == primary(code) else use
            return f"{name} is withdrawn: Twilio's Text-to-Speech page no longer lists it ({found.source}){use}"
        if primary(found.language) != primary(code):
            return f"{name} speaks {found.language}, not {code}{use}"
        if say_language != found.language:
            return f"say_language {say_language!r} is not the language of {name} ({found.language}): write {found.language}"
        return None

    def suggestion(self, code: str) -> str | None:
        """A listed voice for the language ``code`` (its own region first): neural but not generative,
        Amazon's before Google's, as the line's own voices are chosen (see the README's voices table)."""
        mine = [v for v in self.listed() if primary(v.language) == primary(code)]
        mine.sort(key=lambda v: (v.language.lower() != code.lower(), not v.neural, v.type == "Generative",
                                 v.provider != "Polly", v.name))
        return mine[0].name if mine else None

    def digits(self, voice: str) -> str:
        """How the voice's provider reads a number digit by digit, in SSML <say-as interpret-as>."""
        return self.ssml[provider(voice)]["digits"]

    # -- documents ------------------------------------------------------------------
    def check(self, document: str | bytes, leg: str = "caller") -> list[str]:
        """Every way ``document`` departs from what Twilio accepts, one line each; ``leg`` "team" for
        the TwiML of a <Number url> (the whisper), which may hold fewer verbs."""
        try:
            root = ET.fromstring(document)
        except ET.ParseError as error:
            return [f"not XML: {error}"]
        if root.tag != "Response":
            return [f"the root is <{root.tag}>, not <Response>"]
        problems: list[str] = []
        if leg == "team":
            problems += [f"<{verb.tag}> in the team's leg (a <Number url> document may hold only "
                         f"{', '.join(sorted(TEAM_LEG_VERBS))})" for verb in root if verb.tag not in TEAM_LEG_VERBS]
        self._element(root, "VoiceResponse", "Response", problems, voice=None)
        return problems

    def _element(self, node: ET.Element, cls: str, where: str, problems: list[str], voice: str | None) -> None:
        element = self.elements[cls]
        for name, value in node.attrib.items():
            kind = element["attributes"].get(name)
            if kind is None:
                problems.append(f"{where}: <{node.tag}> has no attribute {name!r}")
            else:
                self._value(node, name, value, kind, f"{where}/@{name}", problems)
        if node.tag == "Say":
            voice = node.get("voice")
            self._say(node, where, problems)
        if (node.text or "").strip() and not element["text"]:
            problems.append(f"{where}: <{node.tag}> holds no text")
        children = {self.elements[c]["tag"]: c for c in element["children"]}
        for index, child in enumerate(node):
            here = f"{where}/{child.tag}[{index}]"
            if (child.tail or "").strip() and not element["text"]:
                problems.append(f"{here}: text after it, in <{node.tag}>, which holds no text")
            if child.tag not in children:
                problems.append(f"{here}: <{child.tag}> cannot be inside <{node.tag}>")
                continue
            if voice and children[child.tag] in self._ssml_classes:
                self._ssml(child, voice, here, problems)
            self._element(child, children[child.tag], here, problems, voice)

    def _value(self, node: ET.Element, name: str, value: str, kind: str, where: str, problems: list[str]) -> None:
        base = kind.removesuffix("[]")
        if base == "number":
            ok = value.isascii() and value.isdigit() and int(value) > 0 or (name == "loop" and value == "0")
        elif base == "boolean":
            ok = value in ("true", "false")
        elif base in self.enums:
            values = value.split(" ") if kind.endswith("[]") else [value]
            allowed = self.say_languages if base == "SayLanguage" else self.enums[base]
            ok = bool(values) and all(v in allowed for v in values)
            if base == "SayVoice" and ok and node.get("voice") == value:
                found = self.voices.get(value)
                if found is None or found.status != "listed":
                    problems.append(f"{where}: {value!r} is not a voice Twilio's Text-to-Speech page lists")
                    return
        else:
            ok = True
        if ok:
            ok = self._documented(node.tag, name, value, where, problems)
        if not ok:
            problems.append(f"{where}: {value!r} is not a {kind} value Twilio accepts")

    @staticmethod
    def _documented(tag: str, name: str, value: str, where: str, problems: list[str]) -> bool:
        if name == "method" or name.endswith("Method"):
            return value in METHODS
        if tag == "Dial" and name == "timeout":
            return DIAL_TIMEOUT[0] <= int(value) <= DIAL_TIMEOUT[1]
        if tag == "Gather" and name == "finishOnKey":
            return value in FINISH_KEYS
        if tag == "Gather" and name == "speechTimeout":
            return SPEECH_TIMEOUT.fullmatch(value) is not None
        if tag == "Gather" and name == "hints":
            entries = [entry.strip() for entry in value.split(",")]
            if len(entries) > HINTS[0] or any(len(entry) > HINTS[1] for entry in entries):
                problems.append(f"{where}: more than {HINTS[0]} hints, or one over {HINTS[1]} characters")
            return True
        if tag == "prosody" and name == "rate":
            match = PROSODY_RATE.fullmatch(value)
            return match is not None and (match.group(1) is None or 20 <= int(match.group(1)) <= 200)
        if tag == "break" and name == "time":
            return BREAK_TIME.fullmatch(value) is not None
        return True

    def _say(self, node: ET.Element, where: str, problems: list[str]) -> None:
        name, language = node.get("voice"), node.get("language")
        found = self.voices.get(name or "")
        if found is None:
            return   # (the attribute check names an unknown or missing voice)
        if language != found.language:
            problems.append(f"{where}: {name} speaks {found.language}, but the <Say> says language={language!r}")
        measure, limit = SAY_LIMITS[found.provider]
        size = len("".join(node.itertext())) if measure == "text" else len(ET.tostring(node, encoding="unicode"))
        if size > limit:
            problems.append(f"{where}: {size} characters; {found.provider} reads at most {limit}")

    def _ssml(self, node: ET.Element, voice: str, where: str, problems: list[str]) -> None:
        found = self.voices.get(voice)
        if found is None:
            return
        rules = self.ssml[found.provider]
        if node.tag not in rules["tags"]:
            problems.append(f"{where}: {found.provider} voices do not read <{node.tag}>")
        interpret = node.get("interpret-as")
        if node.tag == "say-as" and interpret is not None:
            if interpret not in rules["say_as"]:
                problems.append(f"{where}: {found.provider} does not read say-as {interpret!r}")
            elif found.neural and interpret in rules["not_neural"]:
                problems.append(f"{where}: {voice} is neural; with say-as {interpret!r} {found.provider} reads the "
                                "sentence in a standard voice")


def primary(code: str) -> str:
    """"pt" for pt-PT; Amazon's Arabic "arb" is Arabic."""
    first = code.split("-")[0].lower()
    return "ar" if first == "arb" else first


def provider(voice: str) -> str:
    return voice.split(".", 1)[0]


@functools.lru_cache(maxsize=1)
def load() -> Vocabulary:
    return Vocabulary(json.loads(VOCABULARY.read_text(encoding="utf-8")))
