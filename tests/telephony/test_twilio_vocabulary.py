"""Every TwiML document the line can answer with keeps to what Twilio accepts today: the verbs, what
each may hold, the attributes and their values (ivr/twilio_vocabulary.json, from Twilio's generated
definitions), the voices Twilio's Text-to-Speech page lists, the SSML each provider reads, and no
<Dial> in the team's leg. Walked as Twilio would, in every language and area, in and out of hours."""
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from ivr import vocabulary

from ..conftest import TOKEN, regional_settings, shipped_settings
from ..crawl import Poster, crawl
from ..phone import BASE_URL, CALLER, LINE_NUMBER
from ..twilio_api import RecordingHttpClient

STEP = re.compile(rb"([?&]|&amp;)n=[0-9]+")
WITHHELD = "anonymous"   # what Twilio sends in From for a withheld number (see tests/phone.py)


IRISH_NUMBER = "+442890000009"


def regional_in_english_and_irish() -> dict:
    """A regional line, in the two languages whose documents differ most by area: English spoken
    and Irish played (a recording per area wherever an area's number is said), Irish on a number of
    its own. Every language's own words are walked on the Trust's line."""
    settings = regional_settings()
    settings["languages"] = [{**lang, "menu": lang["code"] == "en-GB"} for lang in settings["languages"]
                             if lang["code"] in ("en-GB", "ga")]
    settings["called_numbers"] = {IRISH_NUMBER: "ga"}
    return settings


# A Trust's own line in and out of office hours, and a regional line in office hours, when its area
# question is asked (out of hours it asks nothing, and says what the Trust's line says then, with
# the twins of the prompts that would name an area's number, which it also says in office hours).
WALKS = {"a Trust's line, in office hours": (shipped_settings, "2026-07-14 10:00"),
         "a Trust's line, on a Saturday night": (shipped_settings, "2026-07-18 23:30"),
         "a regional line, in office hours": (regional_in_english_and_irish, "2026-07-14 10:00")}


@pytest.mark.parametrize("walk", WALKS)
def test_every_document_the_line_can_answer_keeps_to_twilios_vocabulary(make_app, clock, walk):
    settings, moment = WALKS[walk]
    clock.set(moment)
    # As deployed: at its public address, so the speech of all it says is made when it starts (ivr/render.py).
    app = make_app(settings(), TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_HTTP_CLIENT=RecordingHttpClient(),
                   IVR_RECORD_USAGE=False, IVR_PUBLIC_URL=BASE_URL)
    menu = app.extensions["ivr.engine"].menu
    texting = {node.id for node in menu.nodes.values() if node.needs == "texting"}
    numbers = [LINE_NUMBER, *app.extensions["ivr.engine"].config.called_numbers]
    documents = crawl(Poster(app, TOKEN), [{"From": CALLER, "To": to} for to in numbers], variants=[{"From": WITHHELD}],
                      texted_nodes=texting | {menu.nodes[node].parent for node in texting})
    checker = vocabulary.load()
    problems = Counter()
    checked = {}
    for document in documents:   # (documents differing only in their URLs' step are checked once)
        same = (STEP.sub(b"", document.body), document.leg)
        if same not in checked:
            checked[same] = checker.check(document.body, document.leg) + as_elementtree_writes_it(document.body)
        problems.update(checked[same])
    assert not problems, "\n".join(f"{count} x {problem}" for problem, count in problems.most_common(20))
    # The walk reached every language, both legs and every kind of document.
    said = b"".join(d.body for d in documents)
    config = app.extensions["ivr.engine"].config
    for area in config.areas if config.routes.asks_area else ():
        assert f"area={area}".encode() in said
    for language in app.extensions["ivr.engine"].config.languages:
        assert (f'language="{language.say_language}"'.encode() in said if language.voice
                else f"/audio/{language.code}/".encode() in said)
    assert {d.leg for d in documents} == {"caller", "team"}
    assert len(documents) > 1000
    print(f"{walk}: {len(documents)} documents, {len(checked)} different")


def as_elementtree_writes_it(body: bytes) -> list[str]:
    """A document is put together from the builder's verbs and the speech made for each utterance
    (ivr/render.py): it must be byte for byte what ElementTree, the builder's writer, writes for
    its tree (no empty <Gather></Gather>, nothing escaped twice or left unescaped)."""
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>'
    written = declaration + ET.tostring(ET.fromstring(body), encoding="utf-8")   # (utf-8: no declaration of its own)
    return [] if written == body else [f"not as ElementTree writes it: {body[:300]!r}"]


def test_the_checker_finds_what_twilio_refuses():
    """The checks can fail: each of these documents breaks one rule Twilio documents."""
    checker = vocabulary.load()
    say = '<Say voice="{v}" language="{l}">Hello</Say>'
    cases = {
        # a withdrawn voice inside <Gather>: Twilio sends the call to the fallback (changelog 2024-07-22)
        f'<Response><Gather>{say.format(v="Google.lt-LT-Standard-A", l="lt-LT")}</Gather></Response>':
            "not a voice Twilio's Text-to-Speech page lists",
        f'<Response>{say.format(v="Polly.Amy-Neural", l="en-US")}</Response>': "speaks en-GB",
        '<Response><Gather input="dtmf keys"/></Response>': "'dtmf keys' is not a GatherInput[] value",
        '<Response><Gather><Dial>+441</Dial></Gather></Response>': "<Dial> cannot be inside <Gather>",
        '<Response><Dial timeout="700"><Number>+441</Number></Dial></Response>': "'700' is not a number value",
        '<Response><Dial ringTone="gb"><Number>+441</Number></Dial></Response>': "'gb' is not a DialRingTone",
        '<Response><Say voice="Polly.Amy-Neural" language="en-GB"><say-as interpret-as="characters">1</say-as>'
        '</Say></Response>': "neural",
        '<Response><Say voice="Google.lt-LT-Standard-B" language="lt-LT"><say-as interpret-as="digits">1</say-as>'
        '</Say></Response>': "Google does not read say-as 'digits'",
        '<Response><Say voice="Google.lt-LT-Standard-B" language="lt-LT"><w>x</w></Say></Response>':
            "Google voices do not read <w>",
        '<Response><Redirect method="PUT">/x</Redirect></Response>': "'PUT'",
        '<Response><Gather actionOnEmpty="true"/></Response>': "has no attribute 'actionOnEmpty'",
    }
    for document, expected in cases.items():
        problems = checker.check(document)
        assert any(expected in p for p in problems), (document, problems)
    team = checker.check('<Response><Say voice="Polly.Amy-Neural" language="en-GB">Hi</Say>'
                         '<Dial><Number>+441</Number></Dial></Response>', leg="team")
    assert any("<Dial> in the team's leg" in p for p in team)
    assert checker.check('<Response><Gather input="dtmf speech" language="en-GB" numDigits="1" timeout="8">'
                         '<Say voice="Polly.Amy-Neural" language="en-GB">Hi <say-as interpret-as="digits">999'
                         '</say-as></Say></Gather><Redirect method="POST">/voice/silence</Redirect></Response>') == []
