"""Makes ivr/twilio_vocabulary.json: what Twilio accepts in a voice TwiML document (`make twilio-vocabulary`).

Twilio's helper libraries are generated from Twilio's own TwiML definitions. The one that keeps
the most of them is the Node.js library (the `twilio` package on the npm registry): its
lib/twiml/VoiceResponse.d.ts names every verb, which verbs each may hold, every attribute with its
type, and the accepted values of the enumerated ones (voices, languages, ring tones…);
VoiceResponse.js names the XML element each makes. This reads both from the newest release (or a
given one) and writes them out, with the package's version and the tarball's integrity, so a
review of the file shows what Twilio changed.

It then narrows the voices by ivr/twilio_voices.yaml, the rows of Twilio's Text-to-Speech page:
a voice of a language that page lists, but not in its rows, is written as withdrawn, with the
page as its source and a listed voice of the same language to use instead.

Only the npm registry is reached (urllib, no Node.js needed).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
VOCABULARY = HERE / "twilio_vocabulary.json"
LISTED = HERE / "twilio_voices.yaml"
REGISTRY = "https://registry.npmjs.org/twilio"
DEFINITIONS = "package/lib/twiml/VoiceResponse.d.ts"
BUILDERS = "package/lib/twiml/VoiceResponse.js"

TYPE = re.compile(r'^\s+type (\w+) = (.+);$', re.M)
INTERFACE = re.compile(r'^\s+export interface (\w+) \{(.*?)^\s+\}', re.M | re.S)
FIELD = re.compile(r'^\s+(?:"([^"]+)"|([\w:]+))\?: ([\w\[\]]+);', re.M)
DTS_CLASS = re.compile(r'^(?:declare class (VoiceResponse)|    export class (\w+)) extends TwiML \{(.*?)^(?:\}|    \})', re.M | re.S)
METHOD = re.compile(r'^\s+\w+\((?:attributes\??: (?:VoiceResponse\.(\w+)|object)(?:, (\w+)\??: string)?|'
                    r'(\w+)\??: string)\): VoiceResponse\.(\w+);', re.M)
JS_CLASS = re.compile(r'^(?:class (VoiceResponse)|    class (\w+)) extends TwiML_1\.default \{(.*?)(?=^(?:class |    class |\S))',
                      re.M | re.S)
JS_CHILD = re.compile(r'new VoiceResponse\.(\w+)\(this\.\w+\.ele\("([^"]+)"')


def fetch_package(version: str | None) -> tuple[dict, bytes]:
    """The package's registry entry (version, tarball, integrity) and its tarball."""
    with urllib.request.urlopen(f"{REGISTRY}/{version or 'latest'}", timeout=60) as response:
        entry = json.load(response)
    with urllib.request.urlopen(entry["dist"]["tarball"], timeout=120) as response:
        return entry, response.read()


def read_members(tarball: bytes) -> tuple[str, str]:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        read = lambda name: archive.extractfile(name).read().decode("utf-8")   # noqa: E731
        return read(DEFINITIONS), read(BUILDERS)


def parse(definitions: str, builders: str) -> tuple[dict, dict]:
    """(elements, enums): each element by its class in the definitions (<Sip> in <Dial> and in <Refer>
    are two), with its XML name, its attributes and the classes it may hold; the root is VoiceResponse."""
    enums = {name: re.findall(r'"([^"]*)"', body) for name, body in TYPE.findall(definitions)}
    interfaces: dict[str, dict[str, str]] = {}
    for name, body in INTERFACE.findall(definitions):
        fields = {quoted or plain: kind for quoted, plain, kind in FIELD.findall(body)}
        if name in interfaces and interfaces[name] != fields:
            raise ValueError(f"two different definitions of {name}")
        interfaces[name] = fields
    # class -> (attributes interface, takes text) of the elements each class makes
    made: dict[str, tuple[str | None, bool]] = {}
    for root, nested, body in DTS_CLASS.findall(definitions):
        for attributes, text_after, text_alone, child in METHOD.findall(body):
            known = made.get(child, (None, False))
            made[child] = (attributes or known[0], bool(text_after or text_alone) or known[1])
    tags: dict[str, str] = {"VoiceResponse": "Response"}
    children: dict[str, set[str]] = {}
    for root, nested, body in JS_CLASS.findall(builders):
        parent = root or nested
        for child, tag in JS_CHILD.findall(body):
            if tags.setdefault(child, tag) != tag:
                raise ValueError(f"{child} makes both <{tags[child]}> and <{tag}>")
            children.setdefault(parent, set()).add(child)
    elements = {}
    for cls, tag in sorted(tags.items()):
        attributes_name, text = made.get(cls, (None, False))
        elements[cls] = {
            "tag": tag,
            "attributes": interfaces.get(attributes_name, {}) if attributes_name else {},
            "children": sorted(children.get(cls, ())),
            "text": text,
        }
    return elements, enums


def voice_language(voice: str, listed: dict[str, dict]) -> str | None:
    if voice in listed:
        return listed[voice]["language"]
    google = re.match(r"Google\.([a-z]{2,3}-[A-Za-z]{2})-", voice)
    return google.group(1) if google else None


def narrow(enums: dict, listed_file: dict) -> dict:
    """Every voice of a language the Text-to-Speech page lists: listed, or withdrawn (with its source
    and a replacement). Voices of other languages are not written: the line accepts none of them."""
    listed = {}
    for language, rows in listed_file["languages"].items():
        for row in rows:
            provider, _, name = row["voice"].partition(".")
            listed[row["voice"]] = {"language": language, "provider": provider, "type": row["type"],
                                    "gender": row["gender"], "status": "listed"}
    voices = dict(listed)
    for voice in enums["SayVoice"]:
        language = voice_language(voice, listed)
        if voice in listed or language not in listed_file["languages"]:
            continue
        provider, _, name = voice.partition(".")
        kind = next((t for t in ("Chirp3-HD", "Neural2", "Wavenet", "Standard") if f"-{t}-" in voice), "")
        same = [v for v, about in listed.items() if about["language"] == language]
        best = sorted(same, key=lambda v: (not v.startswith(provider + "."), f"-{kind}-" not in v, v))
        voices[voice] = {"language": language, "provider": provider, "status": "withdrawn",
                         "source": f"{listed_file['source']}, read {listed_file['read']}",
                         "replacement": best[0]}
    return dict(sorted(voices.items()))


def build(version: str | None = None) -> dict:
    entry, tarball = fetch_package(version)
    elements, enums = parse(*read_members(tarball))
    listed_file = yaml.safe_load(LISTED.read_text(encoding="utf-8"))
    return {
        "made_by": "make twilio-vocabulary (ivr/vocabulary_build.py): do not edit by hand",
        "definitions": {"package": "twilio (npm)", "version": entry["version"], "tarball": entry["dist"]["tarball"],
                        "integrity": entry["dist"].get("integrity", ""), "files": [DEFINITIONS, BUILDERS],
                        "made": dt.date.today().isoformat()},
        "voices_page": {"source": listed_file["source"], "read": str(listed_file["read"])},
        "elements": elements,
        "enums": enums,
        "voices": narrow(enums, listed_file),
        "ssml": listed_file["ssml"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help="the twilio package's version (default: the newest)")
    args = parser.parse_args(argv)
    vocabulary = build(args.version)
    VOCABULARY.write_text(json.dumps(vocabulary, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    withdrawn = sum(1 for v in vocabulary["voices"].values() if v["status"] == "withdrawn")
    print(f"{VOCABULARY.relative_to(HERE.parent)}: twilio {vocabulary['definitions']['version']}, "
          f"{len(vocabulary['elements'])} elements, {len(vocabulary['enums']['SayVoice'])} voices in the definitions, "
          f"{len(vocabulary['voices']) - withdrawn} listed on the Text-to-Speech page, {withdrawn} withdrawn")


if __name__ == "__main__":
    sys.exit(main())
